package dev.lifeboat.wal;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.run.NodeSchedules;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * What {@code lifeboat wal status} shows (plan 2.8): for every target with {@code wal.enabled},
 * which serve node streams it, in which state, and how far each store got, from the rows every
 * node's receivers keep fresh in the control database. Read-only: it starts nothing.
 */
@Component
public final class WalStatus {

  /** How often a receiver refreshes its row while nothing changes (see {@link Receiver}). */
  private static final Duration ROW_EVERY = Receiver.ROW_EVERY;

  /** One store as the streaming receiver last saw it. */
  public record Store(String store, String segment, long backlog, String problem) {}

  /** One node's receiver of the target. */
  public record Node(String node, String state, String detail, Instant since) {}

  /**
   * One WAL-enabled target: the node that streams it (null when none does), its state and detail,
   * the server's WAL position at its last heartbeat, the newest segment it streamed, the stores;
   * {@code nodes} lists every live node's receiver of the target.
   */
  public record Target(
      String target,
      String streamedBy,
      String state,
      String detail,
      Instant since,
      String serverLsn,
      String streamedSegment,
      List<Store> stores,
      List<Node> nodes) {

    /** Whether a node streams it now (a broken chain streams too, loudly). */
    public boolean streaming() {
      return streamedBy != null;
    }
  }

  private final LifeboatConfig config;
  private final WalStatusTable table;

  WalStatus(LifeboatConfig config, WalStatusTable table) {
    this.config = config;
    this.table = table;
  }

  /** Every WAL-enabled target by name, from the rows of nodes seen lately. */
  public List<Target> read() throws SQLException {
    List<WalStatusTable.Row> rows = table.live(NodeSchedules.liveWithin(ROW_EVERY));
    List<Target> targets = new ArrayList<>();
    for (String name : WalReceivers.enabled(config)) {
      List<WalStatusTable.Row> mine = rows.stream().filter(r -> r.target().equals(name)).toList();
      Optional<WalStatusTable.Row> streaming =
          mine.stream()
              .filter(
                  r ->
                      r.state() == ReceiverState.STREAMING
                          || r.state() == ReceiverState.CHAIN_BROKEN)
              .max(Comparator.comparing(WalStatusTable.Row::since));
      // without a streaming node, the most telling row: the newest that is not a standby
      Optional<WalStatusTable.Row> shown =
          streaming.or(
              () ->
                  mine.stream()
                      .filter(r -> r.state() != ReceiverState.STANDBY)
                      .max(Comparator.comparing(WalStatusTable.Row::since)));
      List<Node> nodes =
          mine.stream()
              .map(r -> new Node(r.node(), r.state().word(), r.detail(), r.since()))
              .toList();
      targets.add(
          shown
              .map(
                  r ->
                      new Target(
                          name,
                          streaming.isPresent() ? r.node() : null,
                          r.state().word(),
                          r.detail(),
                          r.since(),
                          r.serverLsn(),
                          r.streamedSegment(),
                          r.stores().stream()
                              .map(s -> new Store(s.store(), s.segment(), s.backlog(), s.problem()))
                              .toList(),
                          nodes))
              .orElseGet(
                  () ->
                      new Target(
                          name,
                          null,
                          mine.isEmpty() ? "no-receiver" : ReceiverState.STANDBY.word(),
                          mine.isEmpty()
                              ? "no serve node with this target has reported lately"
                              : "every node stands by, none streams",
                          null,
                          null,
                          null,
                          List.of(),
                          nodes)));
    }
    return targets;
  }
}
