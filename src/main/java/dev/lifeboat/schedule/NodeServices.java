package dev.lifeboat.schedule;

import dev.lifeboat.run.NodeService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link NodeService}s of a serving node: started in order once the scheduler serves, stopped
 * in the reverse order before it stops, all within one budget. One log line per start and stop; a
 * service that fails to start is logged and the node serves on without it (the schedules, backups
 * first, matter more than any one service).
 */
final class NodeServices {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  private final List<NodeService> all;
  private final List<NodeService> started = new ArrayList<>();

  NodeServices(List<NodeService> all) {
    this.all = List.copyOf(all);
  }

  /**
   * The node services' share of {@code lifeboat.serve.stop-timeout}: all of it but 2 s (half of it
   * under 4 s), so they are done within the stop timeout with time left to log and let go.
   */
  static Duration stopBudget(Duration stopTimeout) {
    Duration spare = Duration.ofSeconds(2);
    return stopTimeout.compareTo(spare.multipliedBy(2)) >= 0
        ? stopTimeout.minus(spare)
        : stopTimeout.dividedBy(2);
  }

  synchronized void start() {
    for (NodeService service : all) {
      try {
        service.start();
        started.add(service);
        log.info("started {}", service.name());
      } catch (RuntimeException e) {
        log.error("could not start {}; this node serves on without it", service.name(), e);
      }
    }
  }

  /** Stops what was started, the last first; each gets what is left of {@code budget}. */
  synchronized void stop(Duration budget) {
    long deadline = System.nanoTime() + budget.toNanos();
    for (int i = started.size() - 1; i >= 0; i--) {
      NodeService service = started.get(i);
      long begun = System.nanoTime();
      Duration left = Duration.ofNanos(Math.max(0, deadline - begun));
      try {
        service.stop(left);
        long ms = (System.nanoTime() - begun) / 1_000_000;
        if (ms > left.toMillis()) {
          log.warn(
              "stopped {} in {} ms, over its budget of {} ms", service.name(), ms, left.toMillis());
        } else {
          log.info("stopped {} in {} ms", service.name(), ms);
        }
      } catch (RuntimeException e) {
        log.error("could not stop {} cleanly", service.name(), e);
      }
    }
    started.clear();
  }
}
