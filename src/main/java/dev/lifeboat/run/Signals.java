package dev.lifeboat.run;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop Lifeboat gracefully instead of starting the JVM's shutdown at once: the
 * running jobs are stopped and record STOPPED while the control database is still open (the
 * embedded H2 database closes itself in a shutdown hook of its own, which would race them). A
 * second signal exits at once.
 */
public final class Signals {

  private static final AtomicBoolean stopping = new AtomicBoolean();

  /** Within systemd's default TimeoutStopSec (90 s) and our promise of 30 s. */
  static final Duration STOP_LIMIT = Duration.ofSeconds(28);

  private Signals() {}

  /**
   * On SIGTERM or SIGINT runs {@code stop} in a thread of its own, gives the main thread {@code
   * grace} to finish (print its result, return its exit code), then exits with 128 + the signal's
   * number, as a process killed by it would.
   */
  public static void onTermination(Runnable stop, CountDownLatch mainDone, Duration grace) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(
            new Signal(name),
            signal -> {
              if (!stopping.compareAndSet(false, true)) {
                System.exit(128 + signal.getNumber());
              }
              Thread t =
                  new Thread(
                      () -> {
                        Thread stopping = new Thread(stop, "lifeboat-stopping");
                        stopping.start();
                        try {
                          stopping.join(STOP_LIMIT.toMillis());
                          if (!stopping.isAlive()) {
                            mainDone.await(grace.toMillis(), TimeUnit.MILLISECONDS);
                          }
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        int code = 128 + signal.getNumber();
                        if (stopping.isAlive()) {
                          // a stop that hangs must not keep the process: shutdown hooks would wait
                          // for it too
                          System.err.println(
                              "lifeboat: could not stop cleanly within " + STOP_LIMIT);
                          Runtime.getRuntime().halt(code);
                        }
                        System.exit(code);
                      },
                      "lifeboat-stop");
              t.start();
            });
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // a platform without that signal keeps the JVM's own handling
      }
    }
  }
}
