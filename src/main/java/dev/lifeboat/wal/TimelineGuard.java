package dev.lifeboat.wal;

import dev.lifeboat.pg.WalFiles.History;
import java.util.List;
import java.util.Optional;

/**
 * Whether the WAL a server sends now may go under a target's prefix (plan §2.6), decided before
 * anything is written: the prefix records one cluster (its system identifier) and the newest
 * timeline it holds, with that timeline's history. The server may go on from there on the same
 * timeline or on a later one that branched off it (a real failover); it may not be another cluster,
 * nor a copy whose history left the recorded timeline elsewhere (a restored copy promoted somewhere
 * else: its WAL would take the same segment names with other content, pgBackRest #1616), nor one on
 * an older timeline (a restored copy of the past). Pure: the caller reads both sides.
 */
final class TimelineGuard {

  enum Decision {
    /** The prefix records nothing yet: this server becomes the target's cluster. */
    FIRST_USE,
    /** Same cluster, on the recorded timeline or on one that branched off it. */
    ACCEPT,
    /** Another cluster (another system identifier). */
    REFUSE_OTHER_CLUSTER,
    /** Same cluster, but its history does not go through the recorded timeline's end point. */
    REFUSE_FORKED_TIMELINE;

    boolean refuses() {
      return this == REFUSE_OTHER_CLUSTER || this == REFUSE_FORKED_TIMELINE;
    }
  }

  /** What the target's prefix records: its cluster and its newest timeline's history. */
  record Recorded(String systemIdentifier, History newest) {}

  /** What the server says now: IDENTIFY_SYSTEM's identifier and its timeline's history. */
  record Server(String systemIdentifier, History history) {}

  /**
   * The decision, one sentence for the log and the status, and the server's timelines the prefix
   * does not hold yet, oldest first (their history files go up before any of their segments).
   */
  record Verdict(Decision decision, String message, List<Long> newTimelines) {

    Verdict {
      newTimelines = List.copyOf(newTimelines);
    }
  }

  private TimelineGuard() {}

  static Verdict check(String target, Optional<Recorded> recorded, Server now) {
    long serverTimeline = now.history().timeline();
    if (recorded.isEmpty()) {
      return new Verdict(
          Decision.FIRST_USE,
          "target "
              + target
              + ": no WAL is recorded for it yet; the server's cluster (system identifier "
              + now.systemIdentifier()
              + ", timeline "
              + serverTimeline
              + ") becomes the one its WAL is archived from",
          List.of(serverTimeline));
    }
    Recorded was = recorded.get();
    long recordedTimeline = was.newest().timeline();
    if (!was.systemIdentifier().equals(now.systemIdentifier())) {
      return new Verdict(
          Decision.REFUSE_OTHER_CLUSTER,
          "target "
              + target
              + ": refusing to archive WAL: the server is another cluster (system identifier "
              + now.systemIdentifier()
              + ") than the one whose WAL the store holds ("
              + was.systemIdentifier()
              + "); point the target at the right server, or after a deliberate rebuild run"
              + " 'lifeboat wal adopt --target "
              + target
              + "'",
          List.of());
    }
    if (!wentThrough(now.history(), was.newest())) {
      return new Verdict(
          Decision.REFUSE_FORKED_TIMELINE,
          "target "
              + target
              + ": refusing to archive WAL: the server's timeline "
              + serverTimeline
              + forkDetail(now.history(), was.newest())
              + " timeline "
              + recordedTimeline
              + " the store holds (a restored copy promoted elsewhere, or an older copy);"
              + " point the target at the server that carries timeline "
              + recordedTimeline
              + " on, or start a new chain with 'lifeboat wal adopt --target "
              + target
              + "' and a new base backup",
          List.of());
    }
    List<Long> all = now.history().timelines();
    List<Long> added = all.subList(all.indexOf(recordedTimeline) + 1, all.size());
    return new Verdict(
        Decision.ACCEPT,
        "target "
            + target
            + ": the server (system identifier "
            + now.systemIdentifier()
            + ") is on timeline "
            + serverTimeline
            + (added.isEmpty()
                ? ", the one the store holds"
                : ", which branched off timeline " + recordedTimeline + " the store holds")
            + "; archiving goes on",
        added);
  }

  /**
   * Whether {@code server}'s history runs through {@code recorded}'s timeline along the same
   * ancestors with the same switch points (the reason text does not count: it is free text).
   */
  static boolean wentThrough(History server, History recorded) {
    List<History.Switch> mine = server.switches();
    List<History.Switch> theirs = recorded.switches();
    if (server.timeline() < recorded.timeline() || mine.size() < theirs.size()) {
      return false;
    }
    for (int i = 0; i < theirs.size(); i++) {
      if (mine.get(i).parent() != theirs.get(i).parent()
          || !mine.get(i).at().equals(theirs.get(i).at())) {
        return false;
      }
    }
    if (server.timeline() == recorded.timeline()) {
      return mine.size() == theirs.size();
    }
    return mine.size() > theirs.size() && mine.get(theirs.size()).parent() == recorded.timeline();
  }

  private static String forkDetail(History server, History recorded) {
    if (server.timeline() < recorded.timeline()) {
      return " is older than";
    }
    Optional<?> begin = server.begin(recorded.timeline());
    return begin.isEmpty()
        ? " did not branch off"
        : " has another history (other ancestors or switch points) than";
  }
}
