package com.clickhouse.analytics.writer.batch;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import com.clickhouse.analytics.schema.record.Event;
import com.clickhouse.analytics.schema.record.EventCodec;
import com.clickhouse.analytics.schema.record.EventDecodingException;
import com.clickhouse.analytics.writer.WriterException;
import com.clickhouse.analytics.writer.clickhouse.BisectingInserter;
import com.clickhouse.analytics.writer.clickhouse.EventInserter;
import com.clickhouse.analytics.writer.clickhouse.EventRow;
import com.clickhouse.analytics.writer.consume.SourceRecord;
import com.clickhouse.analytics.writer.deadletter.DeadLetterSink;
import com.clickhouse.analytics.writer.deletion.DeletedIdFilter;
import com.clickhouse.analytics.writer.enrich.Enricher;
import com.clickhouse.analytics.writer.identity.GroupResolver;
import com.clickhouse.analytics.writer.identity.IdentityResolver;

/**
 * Writes one closed {@link Batch}, top to bottom: decode each record (undecodable ones become dead
 * letters), enrich the decoded events (GeoIP, device, bots, {@code IP_MODE}; a dropped bot is
 * neither inserted nor dead-lettered), resolve person ids and group columns for them ({@link #prepare}), insert them (isolating
 * rows ClickHouse refuses), then send all dead letters and wait for their acknowledgement. When this returns,
 * every record of the batch is either in ClickHouse or in the dead-letter topic, and the batch's
 * offsets may be committed. Any {@link WriterException} leaves that to a retry of the same batch.
 */
public final class BatchProcessor {

    /** What became of a batch. */
    public record Outcome(int inserted, int deadLettered, long bytes) {
    }

    private final EventCodec codec;
    private final Enricher enricher;
    private final IdentityResolver identities;
    private final GroupResolver groups;
    private final EventInserter inserter;
    private final DeadLetterSink deadLetters;
    private final Clock clock;
    private final DeletedIdFilter deletedIds;

    /** @param deletedIds drops events of deleted persons before anything is written for them */
    public BatchProcessor(EventCodec codec, Enricher enricher, IdentityResolver identities, GroupResolver groups,
                          EventInserter inserter, DeadLetterSink deadLetters, Clock clock, DeletedIdFilter deletedIds) {
        this.deletedIds = deletedIds;
        this.groups = groups;
        this.codec = codec;
        this.enricher = enricher;
        this.identities = identities;
        this.inserter = inserter;
        this.deadLetters = deadLetters;
        this.clock = clock;
    }

    /**
     * A batch made ready to insert: the decodable records as rows with their person ids, the
     * others as dead letters.
     */
    public record Prepared(List<EventRow> rows, List<DeadLetterSink.DeadLetter> undecodable) {
    }

    /**
     * Decodes every record of {@code batch} and resolves the person ids of its events (which may
     * query and write the person tables). Batches must be prepared one at a time and in the order
     * they are written — the identity cache carries over from batch to batch — but may be prepared
     * on another thread, ahead of {@link #write(Batch, Prepared)}: person rows are idempotent, so
     * writing them before the batch's events (or for a batch that is then retried) changes nothing.
     */
    public Prepared prepare(Batch batch) {
        List<DeadLetterSink.DeadLetter> dead = new ArrayList<>();
        List<SourceRecord> decodable = new ArrayList<>(batch.rows());
        List<Event> events = new ArrayList<>(batch.rows());
        for (SourceRecord record : batch.records()) {
            try {
                Event event = codec.decode(record.value());
                if (deletedIds.drops(event)) {
                    continue; // a deleted person's: committed with the batch, never written
                }
                events.add(event);
                decodable.add(record);
            } catch (EventDecodingException e) {
                dead.add(new DeadLetterSink.DeadLetter(record, "undecodable", e.getMessage(), clock.instant()));
            }
        }
        // Enrichment comes before identities: the identity step sees the $geoip_* properties (for
        // $initial_geoip_* on the person) and the truncated $ip, and dropped bots make no persons.
        List<Enricher.Enriched> enriched = enricher.enrich(events);
        List<SourceRecord> kept = new ArrayList<>(enriched.size());
        List<Event> keptEvents = new ArrayList<>(enriched.size());
        List<String> botReasons = new ArrayList<>(enriched.size());
        for (int i = 0; i < enriched.size(); i++) {
            Enricher.Enriched e = enriched.get(i);
            if (e != null) {
                kept.add(decodable.get(i));
                keptEvents.add(e.event());
                botReasons.add(e.botReason());
            }
        }
        List<IdentityResolver.Identity> resolved = keptEvents.isEmpty() ? List.of() : identities.resolve(keptEvents);
        List<List<String>> groupColumns = keptEvents.isEmpty() ? List.of() : groups.resolve(keptEvents);
        List<EventRow> rows = new ArrayList<>(keptEvents.size());
        for (int i = 0; i < keptEvents.size(); i++) {
            IdentityResolver.Identity identity = resolved.get(i);
            rows.add(new EventRow(kept.get(i), keptEvents.get(i), identity.personId(), identity.mode().value(), botReasons.get(i),
                    groupColumns.get(i)));
        }
        return new Prepared(rows, dead);
    }

    /** Writes {@code batch}, which {@link #prepare} turned into {@code prepared}. */
    public Outcome write(Batch batch, Prepared prepared) {
        List<DeadLetterSink.DeadLetter> dead = new ArrayList<>(prepared.undecodable());
        List<EventRow> rows = prepared.rows();
        for (BisectingInserter.Rejected rejected : inserter.insert(rows, batch.deduplicationToken())) {
            dead.add(new DeadLetterSink.DeadLetter(rejected.row().source(), rejected.error().tag(), rejected.error().getMessage(),
                    clock.instant()));
        }
        if (!dead.isEmpty()) {
            deadLetters.send(dead);
        }
        return new Outcome(rows.size() - (dead.size() - prepared.undecodable().size()), dead.size(), batch.bytes());
    }
}
