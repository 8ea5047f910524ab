package dev.lifeboat.wal;

import dev.lifeboat.pg.ReplicationSlots.Slot;
import dev.lifeboat.pg.ReplicationSlots.WalStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The WAL gauges of plan §5.3 that exist before the receiver does: what each WAL-enabled target's
 * slot holds, as the last {@link SlotProbe} of this serve node saw it. A target whose server did
 * not answer has no series at all (stale numbers would read as a slot that stopped growing).
 */
@Component
final class WalMetrics {

  static final String RETAINED = "lifeboat.wal.slot.retained.bytes";
  static final String SAFE = "lifeboat.wal.slot.safe.bytes";
  static final String STATUS = "lifeboat.wal.slot.status";

  /** The {@code status} label of a target with no slot of that name. */
  static final String MISSING = "missing";

  private final MultiGauge retained;
  private final MultiGauge safe;
  private final MultiGauge status;

  WalMetrics(MeterRegistry registry) {
    this.retained =
        MultiGauge.builder(RETAINED)
            .description("WAL the server keeps for Lifeboat's slot: current LSN - restart_lsn")
            .register(registry);
    this.safe =
        MultiGauge.builder(SAFE)
            .description("WAL that may still be written before the slot is lost (safe_wal_size)")
            .register(registry);
    this.status =
        MultiGauge.builder(STATUS)
            .description("1 for the slot's wal_status (or missing), 0 for the others")
            .register(registry);
  }

  /**
   * One probe's answer for every WAL-enabled target: the slot when it exists, empty when it does
   * not; a target left out (its server did not answer) loses its series.
   */
  synchronized void slots(Map<String, Optional<Slot>> byTarget) {
    List<MultiGauge.Row<?>> retainedRows = new ArrayList<>();
    List<MultiGauge.Row<?>> safeRows = new ArrayList<>();
    List<MultiGauge.Row<?>> statusRows = new ArrayList<>();
    byTarget.forEach(
        (target, slot) -> {
          Tags tags = Tags.of("target", target);
          String now = slot.map(s -> s.walStatus().word()).orElse(MISSING);
          for (String word : statuses()) {
            statusRows.add(MultiGauge.Row.of(tags.and("status", word), word.equals(now) ? 1 : 0));
          }
          slot.map(Slot::retainedBytes)
              .ifPresent(bytes -> retainedRows.add(MultiGauge.Row.of(tags, bytes)));
          slot.map(Slot::safeWalSize)
              .ifPresent(bytes -> safeRows.add(MultiGauge.Row.of(tags, bytes)));
        });
    retained.register(retainedRows, true);
    safe.register(safeRows, true);
    status.register(statusRows, true);
  }

  /** Every value of the {@code status} label: the server's wal_status words and "missing". */
  static List<String> statuses() {
    List<String> words = new ArrayList<>();
    for (WalStatus s : WalStatus.values()) {
      words.add(s.word());
    }
    words.add(MISSING);
    return words;
  }
}
