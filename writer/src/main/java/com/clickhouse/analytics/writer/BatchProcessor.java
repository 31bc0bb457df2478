package com.clickhouse.analytics.writer;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.clickhouse.analytics.schema.Event;
import com.clickhouse.analytics.schema.EventCodec;
import com.clickhouse.analytics.schema.EventDecodingException;

/**
 * Writes one closed {@link Batch}, top to bottom: decode each record (undecodable ones become dead
 * letters), resolve person ids for the decodable ones, insert them (isolating rows ClickHouse
 * refuses), then send all dead letters and wait for their acknowledgement. When this returns,
 * every record of the batch is either in ClickHouse or in the dead-letter topic, and the batch's
 * offsets may be committed. Any {@link WriterException} leaves that to a retry of the same batch.
 */
public final class BatchProcessor {

    /** What became of a batch. */
    public record Outcome(int inserted, int deadLettered, long bytes) {
    }

    private final EventCodec codec;
    private final IdentityResolver identities;
    private final BisectingInserter inserter;
    private final DeadLetterSink deadLetters;
    private final Clock clock;

    public BatchProcessor(EventCodec codec, IdentityResolver identities, BisectingInserter inserter, DeadLetterSink deadLetters,
                          Clock clock) {
        this.codec = codec;
        this.identities = identities;
        this.inserter = inserter;
        this.deadLetters = deadLetters;
        this.clock = clock;
    }

    /**
     * A batch's records decoded: the decodable ones with their events, the others as dead letters.
     * A pure function of the batch (the codec is deterministic), so it may be computed on another
     * thread, ahead of {@link #write(Batch, Decoded)}.
     */
    public record Decoded(List<SourceRecord> records, List<Event> events, List<DeadLetterSink.DeadLetter> undecodable) {
    }

    /** Decodes every record of {@code batch}. Thread-safe. */
    public Decoded decode(Batch batch) {
        List<DeadLetterSink.DeadLetter> dead = new ArrayList<>();
        List<SourceRecord> decodable = new ArrayList<>(batch.rows());
        List<Event> events = new ArrayList<>(batch.rows());
        for (SourceRecord record : batch.records()) {
            try {
                events.add(codec.decode(record.value()));
                decodable.add(record);
            } catch (EventDecodingException e) {
                dead.add(new DeadLetterSink.DeadLetter(record, "undecodable", e.getMessage(), clock.instant()));
            }
        }
        return new Decoded(decodable, events, dead);
    }

    public Outcome write(Batch batch) {
        return write(batch, decode(batch));
    }

    /** Writes {@code batch}, whose records {@link #decode} turned into {@code decoded}. */
    public Outcome write(Batch batch, Decoded decoded) {
        List<DeadLetterSink.DeadLetter> dead = new ArrayList<>(decoded.undecodable());
        List<Event> events = decoded.events();
        List<UUID> personIds = events.isEmpty() ? List.of() : identities.resolve(events);
        List<EventRow> rows = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            rows.add(new EventRow(decoded.records().get(i), events.get(i), personIds.get(i)));
        }
        for (BisectingInserter.Rejected rejected : inserter.insert(rows, batch.deduplicationToken())) {
            dead.add(new DeadLetterSink.DeadLetter(rejected.row().source(), rejected.error().tag(), rejected.error().getMessage(),
                    clock.instant()));
        }
        if (!dead.isEmpty()) {
            deadLetters.send(dead);
        }
        return new Outcome(rows.size() - (dead.size() - decoded.undecodable().size()), dead.size(), batch.bytes());
    }
}
