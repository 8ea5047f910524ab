package dev.lifeboat.progress;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress line on a terminal (bytes, rate, elapsed, ETA when the total is known), redrawn in
 * place at most a few times a second. Used only when stderr is a terminal and not in --json mode.
 */
public final class TerminalProgress implements Progress {

  private final PrintStream out;
  private final LongSupplier nanos;

  public TerminalProgress(PrintStream out) {
    this(out, System::nanoTime);
  }

  TerminalProgress(PrintStream out, LongSupplier nanos) {
    this.out = out;
    this.nanos = nanos;
  }

  @Override
  public Task start(String what, long totalBytes) {
    long started = nanos.getAsLong();
    return new Task() {
      long lastDraw = Long.MIN_VALUE;
      int width;

      @Override
      public synchronized void update(long bytes, long storedBytes) {
        long now = nanos.getAsLong();
        if (lastDraw != Long.MIN_VALUE && now - lastDraw < 250_000_000L) {
          return;
        }
        lastDraw = now;
        String line = line(what, bytes, storedBytes, totalBytes, (now - started) / 1e9);
        out.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
        width = line.length();
        out.flush();
      }

      @Override
      public synchronized void close() {
        if (width > 0) {
          out.print("\r" + " ".repeat(width) + "\r");
          out.flush();
        }
      }
    };
  }

  static String line(String what, long bytes, long stored, long total, double seconds) {
    double rate = seconds > 0 ? bytes / seconds : 0;
    StringBuilder sb = new StringBuilder(what).append(": ").append(bytes(bytes));
    if (total > 0) {
      sb.append(" of ").append(bytes(total));
    }
    if (stored >= 0 && stored != bytes) {
      sb.append(" (").append(bytes(stored)).append(" stored)");
    }
    sb.append(", ").append(bytes((long) rate)).append("/s, ").append(duration(seconds));
    if (total > 0 && rate > 0 && bytes < total) {
      sb.append(", ETA ").append(duration((total - bytes) / rate));
    }
    return sb.toString();
  }

  /** Human size, base 1024. */
  public static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s < 60
        ? s + "s"
        : s < 3600 ? (s / 60) + "m" + (s % 60) + "s" : (s / 3600) + "h" + (s % 3600 / 60) + "m";
  }
}
