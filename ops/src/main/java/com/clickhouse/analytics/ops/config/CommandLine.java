package com.clickhouse.analytics.ops.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The command line of every {@code ./cpa} command after its name: flags ({@code --dry-run}),
 * options ({@code --name=value} or {@code --name value}) and positional arguments, each checked
 * against what the command accepts, so a typo fails with the usage instead of being ignored.
 */
public record CommandLine(Set<String> flags, Map<String, String> options, List<String> positional) {

    public CommandLine {
        flags = Set.copyOf(flags);
        options = Map.copyOf(options);
        positional = List.copyOf(positional);
    }

    /**
     * @param usage          the message of every refusal
     * @param allowedFlags   names of the {@code --name} switches without a value
     * @param allowedOptions names of the {@code --name value} options
     * @throws IllegalArgumentException naming the argument at fault, then the usage
     */
    public static CommandLine parse(String usage, List<String> args, int minPositional, int maxPositional,
                                    Set<String> allowedFlags, Set<String> allowedOptions) {
        Set<String> flags = new HashSet<>();
        Map<String, String> options = new HashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
            if (eq < 0 && allowedFlags.contains(name)) {
                flags.add(name);
            } else if (allowedOptions.contains(name) && (eq >= 0 || i + 1 < args.size())) {
                options.put(name, eq < 0 ? args.get(++i) : arg.substring(eq + 1));
            } else {
                throw new IllegalArgumentException("unknown option or missing value: " + arg + "; " + usage);
            }
        }
        if (positional.size() < minPositional || positional.size() > maxPositional) {
            throw new IllegalArgumentException(usage);
        }
        return new CommandLine(flags, options, positional);
    }

    public boolean has(String flag) {
        return flags.contains(flag);
    }

    public Optional<String> option(String name) {
        return Optional.ofNullable(options.get(name));
    }
}
