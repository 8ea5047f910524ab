package dev.lifeboat.catalog;

import dev.lifeboat.pg.WalFiles;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which {@code <TLI><LOG>/} folders hold a range of segments: one folder per timeline and 4 GiB of
 * WAL (the first 16 hex digits of a segment name), so a range costs one LIST per folder and never a
 * listing of the whole archive.
 */
final class WalFolders {

  /** Folders listed at once per store: enough to hide latency, few enough for any S3 endpoint. */
  static final int LISTED_AT_ONCE = 4;

  private WalFolders() {}

  /** The folder a segment's objects live in: {@code 0000000100000000}. */
  static String of(WalFiles.Segment segment) {
    return segment.name().substring(0, 16);
  }

  /**
   * The folders of segments {@code from} to {@code to} (numbers, inclusive) along {@code path}:
   * each segment on the timeline recovery reads it from, in WAL order, each folder once.
   */
  static List<String> between(WalFiles.History path, long from, long to, long segmentSize) {
    if (from > to) {
      return List.of();
    }
    Set<String> folders = new LinkedHashSet<>();
    long number = from;
    while (number <= to) {
      WalFiles.Segment segment =
          new WalFiles.Segment(path.timelineOfSegment(number, segmentSize), number, segmentSize);
      folders.add(of(segment));
      long perLog = 0x1_0000_0000L / segmentSize; // XLogSegmentsPerXLogId
      long nextLog = (segment.log() + 1) * perLog;
      long nextSwitch = nextSwitchSegment(path, number, segmentSize);
      number = Math.min(nextLog, nextSwitch);
    }
    return List.copyOf(folders);
  }

  /** {@code folders} in groups of {@link #LISTED_AT_ONCE}, in order. */
  static List<List<String>> inGroups(List<String> folders) {
    List<List<String>> groups = new ArrayList<>();
    for (int i = 0; i < folders.size(); i += LISTED_AT_ONCE) {
      groups.add(folders.subList(i, Math.min(folders.size(), i + LISTED_AT_ONCE)));
    }
    return groups;
  }

  // the first segment after `number` that recovery reads from another timeline, or MAX_VALUE
  private static long nextSwitchSegment(WalFiles.History path, long number, long segmentSize) {
    for (WalFiles.History.Switch s : path.switches()) {
      long at = s.at().segmentNumber(segmentSize);
      if (at > number) {
        return at;
      }
    }
    return Long.MAX_VALUE;
  }
}
