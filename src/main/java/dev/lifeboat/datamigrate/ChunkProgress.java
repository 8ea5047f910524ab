package dev.lifeboat.datamigrate;

import dev.lifeboat.progress.Progress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * The progress line of a running data migration on a terminal (chunks, rows, share of the key
 * range, rate, ETA), redrawn at most four times a second; silent when nobody watches or in --json.
 */
final class ChunkProgress {

  private final boolean visible;
  private final String name;
  private final PrintStream out = System.err;
  private long lastDraw = Long.MIN_VALUE;
  private int width;

  ChunkProgress(Progress progress, String name) {
    this.visible = progress != null && progress.visible();
    this.name = name;
  }

  synchronized void update(ActiveRun run) {
    if (!visible) {
      return;
    }
    long now = System.nanoTime();
    if (lastDraw != Long.MIN_VALUE && now - lastDraw < 250_000_000L) {
      return;
    }
    lastDraw = now;
    String line =
        line(
            name,
            run.chunks.get(),
            run.rows.get(),
            run.ratio(),
            run.keysDone.get(),
            run.keysTotal,
            (now - run.startedNanos) / 1e9,
            run.startRatio());
    out.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
    width = line.length();
    out.flush();
  }

  synchronized void close() {
    if (width > 0) {
      out.print("\r" + " ".repeat(width) + "\r");
      out.flush();
    }
  }

  static String line(
      String name,
      long chunks,
      long rows,
      double ratio,
      long keysDone,
      long keysTotal,
      double seconds,
      double startRatio) {
    double rate = seconds > 0 ? rows / seconds : 0;
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "data migration %s: %d chunks, %d rows, %.1f%% of keys, %.0f rows/s",
                name,
                chunks,
                rows,
                ratio * 100,
                rate));
    double doneThisRun = ratio - startRatio;
    if (doneThisRun > 0 && ratio < 1) {
      sb.append(", ETA ").append(duration(seconds / doneThisRun * (1 - ratio)));
    }
    return sb.toString();
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s < 60
        ? s + "s"
        : s < 3600 ? (s / 60) + "m" + (s % 60) + "s" : (s / 3600) + "h" + (s % 3600 / 60) + "m";
  }
}
