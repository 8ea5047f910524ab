package dev.lifeboat.run;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Work a {@code serve} node runs for as long as it serves, beside the scheduler (the WAL
 * receivers): {@code schedule/Daemon} starts every such bean once the scheduler is serving and
 * stops them first when the node stops, within {@code lifeboat.serve.stop-timeout}. Typed commands
 * never start one. A service here lets the daemon start it without importing its feature.
 */
public interface NodeService {

  /** What the log lines call it, e.g. "WAL receivers". */
  String name();

  /**
   * Starts the work on threads of its own and returns at once; what goes wrong later is the
   * service's to log and report.
   */
  void start();

  /**
   * Stops the work and returns within {@code budget} (it may be zero), logging what it could not
   * finish in time.
   */
  void stop(Duration budget);

  /** One daemon thread named {@code name} for a serve node's periodic work. */
  static ScheduledExecutorService backgroundThread(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }
}
