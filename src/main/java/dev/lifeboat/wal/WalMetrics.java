package dev.lifeboat.wal;

import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.ReplicationSlots.Slot;
import dev.lifeboat.pg.ReplicationSlots.WalStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import org.springframework.stereotype.Component;

/**
 * The WAL gauges of plan §5.3. The slot gauges: what each WAL-enabled target's slot holds, as the
 * last {@link SlotProbe} of this serve node saw it; a target whose server did not answer has no
 * series at all (stale numbers would read as a slot that stopped growing). The receiver gauges:
 * every node reports each target's {@link ReceiverState}; only the node that holds a target's lease
 * (from its first streaming run until it stands by or stops) reports its lag, spool, backlogs and
 * commit times, told by its {@link Receiving}.
 */
@Component
final class WalMetrics {

  static final String RETAINED = "lifeboat.wal.slot.retained.bytes";
  static final String SAFE = "lifeboat.wal.slot.safe.bytes";
  static final String STATUS = "lifeboat.wal.slot.status";
  static final String STATE = "lifeboat.wal.receiver.state";
  static final String LAST_SEGMENT = "lifeboat.wal.last.segment.timestamp.seconds";
  static final String LAST_PARTIAL = "lifeboat.wal.last.partial.timestamp.seconds";
  static final String LAG = "lifeboat.wal.archive.lag.seconds";
  static final String SPOOL = "lifeboat.wal.spool.bytes";
  static final String SPOOL_MAX = "lifeboat.wal.spool.max.bytes";
  static final String BACKLOG = "lifeboat.wal.store.backlog.segments";
  static final String ARCHIVED = "lifeboat.wal.archived.segments";
  static final String RESTARTS = "lifeboat.wal.receiver.restarts";
  static final String CHAIN_BREAKS = "lifeboat.wal.chain.breaks";

  /** The {@code status} label of a target with no slot of that name. */
  static final String MISSING = "missing";

  private final MultiGauge retained;
  private final MultiGauge safe;
  private final MultiGauge status;
  private final MultiGauge state;
  private final MultiGauge lastSegment;
  private final MultiGauge lastPartial;
  private final MultiGauge lag;
  private final MultiGauge spool;
  private final MultiGauge spoolMax;
  private final MultiGauge backlog;
  private final Map<String, Receiving> receiving = new TreeMap<>();
  private final MeterRegistry registry;

  WalMetrics(MeterRegistry registry) {
    this.registry = registry;
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
    this.state =
        MultiGauge.builder(STATE)
            .description("1 for this node's receiver state of the target, 0 for the others")
            .register(registry);
    this.lastSegment =
        MultiGauge.builder(LAST_SEGMENT)
            .description("when the store last committed a completed WAL segment")
            .register(registry);
    this.lastPartial =
        MultiGauge.builder(LAST_PARTIAL)
            .description("when the store last committed a partial WAL segment")
            .register(registry);
    this.lag =
        MultiGauge.builder(LAG)
            .description(
                "seconds since the server wrote the oldest WAL no store holds yet (0 when the"
                    + " stores hold all the server has written)")
            .register(registry);
    this.spool =
        MultiGauge.builder(SPOOL).description("bytes in the receiver's spool").register(registry);
    this.spoolMax =
        MultiGauge.builder(SPOOL_MAX).description("the spool's bound").register(registry);
    this.backlog =
        MultiGauge.builder(BACKLOG)
            .description("completed segments waiting for the store")
            .register(registry);
  }

  /** The gauges of {@code target}'s receiver on this node; its state series appear now. */
  synchronized Receiving receiving(String target, Clock clock) {
    Receiving r = receiving.computeIfAbsent(target, t -> new Receiving(t, clock, this));
    render();
    return r;
  }

  /** Registers the series of every receiver again: when one starts or stops holding its lease. */
  private synchronized void render() {
    List<MultiGauge.Row<?>> states = new ArrayList<>();
    List<MultiGauge.Row<?>> segments = new ArrayList<>();
    List<MultiGauge.Row<?>> partials = new ArrayList<>();
    List<MultiGauge.Row<?>> lags = new ArrayList<>();
    List<MultiGauge.Row<?>> spools = new ArrayList<>();
    List<MultiGauge.Row<?>> maxes = new ArrayList<>();
    List<MultiGauge.Row<?>> backlogs = new ArrayList<>();
    for (Receiving r : receiving.values()) {
      Tags tags = Tags.of("target", r.target);
      for (ReceiverState s : ReceiverState.values()) {
        states.add(MultiGauge.Row.of(tags.and("state", s.word()), r, x -> x.state == s ? 1 : 0));
      }
      Run run = r.run;
      if (run == null) {
        continue;
      }
      lags.add(MultiGauge.Row.of(tags, r, Receiving::lagSeconds));
      spools.add(MultiGauge.Row.of(tags, run.spool, Spool::bytes));
      maxes.add(MultiGauge.Row.of(tags, run.spool.maxBytes()));
      for (StoreLane lane : run.lanes) {
        backlogs.add(MultiGauge.Row.of(tags.and("store", lane.store()), lane, StoreLane::backlog));
      }
      // read at each scrape: a store's later commits move its series
      r.segments
          .keySet()
          .forEach(
              store ->
                  segments.add(MultiGauge.Row.of(tags.and("store", store), r.segments, at(store))));
      r.partials
          .keySet()
          .forEach(
              store ->
                  partials.add(MultiGauge.Row.of(tags.and("store", store), r.partials, at(store))));
    }
    state.register(states, true);
    lastSegment.register(segments, true);
    lastPartial.register(partials, true);
    lag.register(lags, true);
    spool.register(spools, true);
    spoolMax.register(maxes, true);
    backlog.register(backlogs, true);
  }

  /**
   * The commit time of {@code store}, epoch seconds; NaN once forgotten (until the next render).
   */
  private static ToDoubleFunction<Map<String, Instant>> at(String store) {
    return times -> {
      Instant at = times.get(store);
      return at == null ? Double.NaN : at.toEpochMilli() / 1000.0;
    };
  }

  /** The spool and lanes of a receiver's current (or last) streaming run. */
  private record Run(Spool spool, List<StoreLane> lanes) {}

  /** A heartbeat: the server's WAL position and when this node read it. */
  private record Beat(Instant at, Lsn lsn) {}

  /**
   * What one target's receiver on this node tells the gauges: its state, each streaming run's spool
   * and lanes, every commit of a lane, and the server's WAL position at each heartbeat.
   *
   * <p>The lag: the oldest heartbeat whose server position is past the end of the WAL durably in a
   * store is (within a beat, 2 s) when the server wrote the oldest WAL no store holds; lag is now
   * minus its time, or 0 when no such beat is left. It is counted from when this node first saw
   * that WAL, so after every node was down it starts from the takeover, not from the outage; it
   * keeps growing while the leader is backing off, as the stores fall behind.
   */
  static final class Receiving implements StoreLane.Commits {

    /** Beats kept while the stores are behind: ~5 h of 2 s beats; the oldest is never dropped. */
    static final int MAX_BEATS = 10_000;

    private final String target;
    private final Clock clock;
    private final WalMetrics owner;
    private final Map<String, Instant> segments = new ConcurrentHashMap<>();
    private final Map<String, Instant> partials = new ConcurrentHashMap<>();
    private final Deque<Beat> beats = new ArrayDeque<>();
    private volatile ReceiverState state = ReceiverState.STOPPED;
    private volatile Run run;
    private Lsn durable;

    private Receiving(String target, Clock clock, WalMetrics owner) {
      this.target = target;
      this.clock = clock;
      this.owner = owner;
    }

    /**
     * The receiver's state; standing by or stopped, this node no longer reports the target's
     * stream.
     */
    void state(ReceiverState next) {
      state = next;
      if ((next == ReceiverState.STANDBY || next == ReceiverState.STOPPED) && run != null) {
        synchronized (this) {
          run = null;
          beats.clear();
          durable = null;
          segments.clear();
          partials.clear();
        }
        owner.render();
      }
    }

    /** A streaming run starts with this spool and these lanes: their series appear. */
    void streaming(Spool spool, List<StoreLane> lanes) {
      lanes.forEach(lane -> lane.onCommit(this));
      run = new Run(spool, List.copyOf(lanes));
      owner.render();
    }

    /** The receiver failed or its stream ended by itself: it starts again after a pause. */
    void restarted() {
      count(RESTARTS, "times the WAL receiver started again after a failure", Tags.empty());
    }

    /** WAL went missing from every store (plan 2.7): the receiver reports chain-broken. */
    void chainBroken() {
      count(CHAIN_BREAKS, "gaps the WAL receiver found in the chain", Tags.empty());
    }

    private void count(String name, String description, Tags more) {
      Counter.builder(name)
          .description(description)
          .tags(Tags.of("target", target).and(more))
          .register(owner.registry)
          .increment();
    }

    @Override
    public void committed(String store, boolean partial) {
      if (!partial) {
        count(ARCHIVED, "completed WAL segments committed to the store", Tags.of("store", store));
      }
      Instant before = (partial ? partials : segments).put(store, clock.instant());
      if (before == null) {
        owner.render(); // a store's first commit: its series appears
      }
    }

    /** A heartbeat read the server's WAL at {@code lsn}. */
    synchronized void beat(Lsn lsn) {
      if (!beats.isEmpty() && lsn.compareTo(beats.peekLast().lsn()) <= 0) {
        return; // the server wrote nothing since: the older beat says when it did
      }
      if (beats.size() >= MAX_BEATS) {
        Beat oldest = beats.pollFirst();
        beats.pollFirst();
        beats.addFirst(oldest);
      }
      beats.addLast(new Beat(clock.instant(), lsn));
    }

    /** See the class comment; 0 while nothing is known. */
    synchronized double lagSeconds() {
      Run r = run;
      if (r != null) {
        Optional<Lsn> end = StoreLane.durableEnd(r.lanes());
        if (end.isPresent()) {
          durable = durable == null ? end.get() : Lsn.max(durable, end.get());
        }
      }
      while (durable != null
          && !beats.isEmpty()
          && beats.peekFirst().lsn().compareTo(durable) <= 0) {
        beats.pollFirst();
      }
      if (beats.isEmpty()) {
        return 0;
      }
      Duration age = Duration.between(beats.peekFirst().at(), clock.instant());
      return Math.max(0, age.toMillis() / 1000.0);
    }
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
