package dev.lifeboat.pg;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of a timeline history file as PostgreSQL writes it ({@code writeTimeLineHistory}: one
 * line {@code parentTLI<TAB>switchpoint<TAB>reason} per ancestor) and reads it ({@code
 * readTimeLineHistory}: blank lines and lines starting with {@code #} skipped, parents in
 * increasing order, every parent below the file's own timeline).
 */
final class HistoryFileFormat {

  // sscanf("%u\t%X/%X") in timeline.c; the reason is free text to the end of the line
  private static final Pattern LINE =
      Pattern.compile("\\s*(\\d{1,10})\\s+([0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8})(?:\\s+(.*?))?\\s*");

  private HistoryFileFormat() {}

  static List<WalFiles.History.Switch> parse(long timeline, String text) {
    String file = WalFiles.historyFileName(timeline);
    List<WalFiles.History.Switch> switches = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.isBlank() || line.stripLeading().startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            file
                + " line "
                + (i + 1)
                + " is not '<parent timeline> <switch point> <reason>': "
                + line);
      }
      long parent = Long.parseLong(m.group(1));
      Lsn at = Lsn.parse(m.group(2));
      if (!switches.isEmpty() && parent <= switches.get(switches.size() - 1).parent()) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": timeline IDs must be in increasing sequence");
      }
      if (parent < 1 || parent >= timeline) {
        throw new IllegalArgumentException(
            file
                + " line "
                + (i + 1)
                + ": parent timeline "
                + parent
                + " is not below "
                + timeline);
      }
      if (!switches.isEmpty() && at.isBefore(switches.get(switches.size() - 1).at())) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": switch point " + at + " is before the previous one");
      }
      switches.add(new WalFiles.History.Switch(parent, at, m.group(3) == null ? "" : m.group(3)));
    }
    return switches;
  }

  /** The file's text; parsing it gives the same switches back. */
  static String format(List<WalFiles.History.Switch> switches) {
    StringBuilder text = new StringBuilder();
    for (WalFiles.History.Switch s : switches) {
      text.append(s.parent()).append('\t').append(s.at()).append('\t').append(s.reason());
      text.append('\n');
    }
    return text.toString();
  }
}
