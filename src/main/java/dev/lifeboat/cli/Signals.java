package dev.lifeboat.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT stop Lifeboat gracefully instead of starting the JVM's shutdown at once: the
 * running jobs are stopped and record STOPPED while the control database is still open, and the
 * command then ends on its own with its own exit code (a data migration 3, a backup 1, {@code
 * serve} 0). Handled from the moment Lifeboat's code runs: a signal that arrives while the
 * application is still starting stops it as soon as it is up, so a job that would start then is
 * recorded STOPPED without running. A second signal exits at once.
 */
final class Signals {

  /** Within systemd's default TimeoutStopSec (90 s) and our promise of 30 s. */
  static final Duration STOP_LIMIT = Duration.ofSeconds(28);

  /** The application a command runs in, as a signal sees it. */
  public interface Application {
    /** Stops what runs (jobs end STOPPED, none starts any more); the application stays open. */
    void stop();

    /** Closes it: only when the command did not end after {@link #stop()}. */
    void close();
  }

  private static final Object lock = new Object();
  private static boolean installed;
  private static Signal received;
  private static Attached current;
  private static boolean attachedSinceSignal;

  private Signals() {}

  /**
   * Handles SIGTERM and SIGINT from now on (once per process); call it before the application
   * starts, so that no signal meets the JVM's default handling, which exits 143 at once and races
   * the command's own exit.
   */
  public static void install() {
    synchronized (lock) {
      if (installed) {
        return;
      }
      installed = true;
    }
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), Signals::received);
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // a platform without that signal keeps the JVM's own handling
        debug("SIG" + name + " keeps the JVM's own handling: " + e);
      }
    }
  }

  private static void received(Signal signal) {
    Attached application;
    synchronized (lock) {
      if (received != null) {
        System.exit(128 + signal.getNumber());
      }
      received = signal;
      application = current;
    }
    if (application != null) {
      application.terminate(signal, true);
    } else {
      // still starting (or the demo between two applications): it stops once it is up; a start
      // that hangs must not keep the process
      Thread watchdog =
          new Thread(
              () -> {
                sleep(STOP_LIMIT);
                synchronized (lock) {
                  if (attachedSinceSignal) {
                    return; // it came up: Attached.terminate bounds the stop
                  }
                }
                System.err.println("lifeboat: could not stop cleanly within " + STOP_LIMIT);
                // shutdown hooks (the demo's cluster) get a moment; one waiting for a start that
                // hangs does not keep the process
                Thread exit = new Thread(() -> System.exit(128 + signal.getNumber()));
                exit.setDaemon(true);
                exit.start();
                sleep(Duration.ofSeconds(5));
                Runtime.getRuntime().halt(128 + signal.getNumber());
              },
              "lifeboat-stop-watchdog");
      watchdog.setDaemon(true);
      watchdog.start();
    }
  }

  /**
   * The application is up and its command about to run: a signal now stops it (at once, when one
   * came while it started). Close the returned handle when the command has ended.
   *
   * @param grace how long the command may take to end after the stop before the application is
   *     closed under it and the process exits with 128 + the signal's number, as one killed by it
   */
  public static Attached attach(Application application, Duration grace) {
    Attached attached = new Attached(application, grace);
    Signal pending;
    synchronized (lock) {
      current = attached;
      pending = received;
    }
    if (pending != null) {
      // stopped before its command begins: every job it would start ends STOPPED without running
      application.stop();
      synchronized (lock) {
        attachedSinceSignal = true; // the watchdog bounded that stop; terminate bounds the rest
      }
      attached.terminate(pending, false);
    }
    return attached;
  }

  /** An application that a signal stops; closed when its command has ended. */
  public static final class Attached implements AutoCloseable {
    private final Application application;
    private final Duration grace;
    private final CountDownLatch ended = new CountDownLatch(1);

    private Attached(Application application, Duration grace) {
      this.application = application;
      this.grace = grace;
    }

    /** The command has ended: its exit code stands, whatever a signal does now. */
    @Override
    public void close() {
      synchronized (lock) {
        if (current == this) {
          current = null;
        }
      }
      ended.countDown();
    }

    /**
     * Stops the application ({@code stop}; else it was stopped already), then gives the command its
     * grace to end; if it does not, closes the application and exits 128 + the signal.
     */
    private void terminate(Signal signal, boolean stop) {
      int code = 128 + signal.getNumber();
      Thread t =
          new Thread(
              () -> {
                try {
                  if (stop) {
                    Thread stopping = new Thread(application::stop, "lifeboat-stopping");
                    stopping.start();
                    stopping.join(STOP_LIMIT.toMillis());
                    if (stopping.isAlive()) {
                      // a stop that hangs must not keep the process: shutdown hooks would wait
                      System.err.println("lifeboat: could not stop cleanly within " + STOP_LIMIT);
                      Runtime.getRuntime().halt(code);
                    }
                  }
                  if (ended.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    // the command ended after the stop: the main thread exits with its own code
                    // (exiting here as well raced it, and the loser's code was lost)
                    return;
                  }
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  debug("interrupted while the command ended after " + signal + "; closing");
                }
                // the command did not end (work no job holds): close under it and exit as killed
                Thread closing = new Thread(application::close, "lifeboat-closing");
                closing.setDaemon(true);
                closing.start();
                try {
                  closing.join(STOP_LIMIT.toMillis());
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  debug("interrupted while the application closed after " + signal + "; exiting");
                }
                System.exit(code);
              },
              "lifeboat-stop");
      t.setDaemon(true);
      t.start();
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      debug("interrupted while the stop watchdog waited " + duration);
    }
  }

  /** Debug only, from a handler: the logger is looked up when needed, never at start. */
  private static void debug(String message) {
    org.slf4j.LoggerFactory.getLogger(Signals.class).debug(message);
  }
}
