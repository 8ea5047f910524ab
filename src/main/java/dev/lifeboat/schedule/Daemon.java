package dev.lifeboat.schedule;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.Node;
import dev.lifeboat.config.Schedules;
import dev.lifeboat.pg.PgErrors;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.LocalExecutions;
import dev.lifeboat.run.NodeSchedules;
import dev.lifeboat.run.NodeService;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Targets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The door of {@code serve}: checks the schedules, starts the Quartz scheduler over the control
 * database and then the node's {@link NodeService}s (the WAL receivers), keeps them until the
 * application stops (SIGTERM), then stops the services and the scheduler gracefully. Typed commands
 * never start it.
 */
@Component
public final class Daemon implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  /** A schedule in force with its next fire times, for the start-up lines. */
  public record Entry(
      String verb, String target, String cron, String zone, String key, List<Instant> next) {}

  /** What {@code serve} started: the node, whether it is clustered, the schedules, the changes. */
  public record Serving(
      String node,
      boolean clustered,
      String clusterNote,
      List<Entry> schedules,
      List<String> changes) {}

  private final DataSource controlDataSource;
  private final LifeboatConfig config;
  private final Targets targets;
  private final Door door;
  private final LocalExecutions localExecutions;
  private final Node node;
  private final Clock clock;
  private final ApplicationEventPublisher events;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final NodeSchedules nodeSchedules;
  private final ObjectProvider<NodeService> services;
  private NodeServices nodeServices;
  private volatile QuartzScheduler quartz;
  private volatile boolean running;
  private volatile List<String> disagreements = List.of();
  private volatile boolean nodesUnknown;
  private ScheduledExecutorService heartbeat;

  Daemon(
      DataSource controlDataSource,
      LifeboatConfig config,
      Targets targets,
      Door door,
      LocalExecutions localExecutions,
      Node node,
      Clock clock,
      ApplicationEventPublisher events,
      NodeSchedules nodeSchedules,
      ObjectProvider<NodeService> services) {
    this.events = events;
    this.services = services;
    this.nodeSchedules = nodeSchedules;
    this.controlDataSource = controlDataSource;
    this.config = config;
    this.targets = targets;
    this.door = door;
    this.localExecutions = localExecutions;
    this.node = node;
    this.clock = clock;
    // schedules are configuration: a bad cron is refused when the file loads, for every command
    plan();
  }

  /** The schedules in force; a mistake is a {@link ConfigException} naming its key. */
  public List<Schedules.Planned> plan() {
    return Schedules.plan(config.properties(), VerbName.schedulableWords(), clock.instant());
  }

  /** Starts firing the configured schedules; returns what it started. */
  public synchronized Serving serve() {
    if (stopped.getCount() == 0) {
      // a signal stopped the application while it was starting: nothing is scheduled
      log.info("stopped before it started serving");
      return new Serving(node.name(), false, null, List.of(), List.of());
    }
    targets.validate();
    List<Schedules.Planned> planned = plan();
    for (Schedules.Planned p : planned) {
      targets.resolve(p.target());
    }
    LifeboatProperties properties = config.properties();
    boolean postgres = properties.control().url() != null && !properties.control().url().isBlank();
    Boolean wanted = properties.serve().cluster();
    boolean clustered = postgres && (wanted == null || wanted);
    String note =
        !postgres && Boolean.TRUE.equals(wanted)
            ? "lifeboat.serve.cluster: the embedded H2 control database serves one node only;"
                + " this node runs alone. Set lifeboat.control.url to a PostgreSQL database to"
                + " run several nodes."
            : null;
    try {
      quartz =
          new QuartzScheduler(
              controlDataSource,
              postgres,
              clustered,
              properties.serve(),
              node.name(),
              door,
              localExecutions);
      List<NodeSchedules.Definition> mine = definitions(planned);
      List<NodeSchedules.Member> others = null;
      try {
        nodeSchedules.announce(quartz.instanceId(), node.name(), mine);
        others =
            nodeSchedules.live(liveWithin()).stream()
                .filter(m -> !m.instance().equals(quartz.instanceId()))
                .toList();
      } catch (SQLException e) {
        log.warn(
            "could not read which nodes run which schedules from the control database ({});"
                + " schedules this node lacks are left in place",
            PgErrors.firstLine(e.getMessage()));
      }
      List<String> changes = quartz.reconcile(planned, others);
      quartz.start();
      Instant now = clock.instant();
      List<Entry> entries = new ArrayList<>();
      for (Schedules.Planned p : planned) {
        entries.add(
            new Entry(
                p.verb(),
                p.target(),
                p.cron(),
                p.zone().getId(),
                p.key(),
                QuartzScheduler.nextFireTimes(p, 3, now)));
      }
      if (note != null) {
        log.warn(note);
      }
      LifeboatProperties.Http http = properties.http();
      log.info(
          "serving: node {}, {}, {} schedule(s), http://{}:{}/actuator/health",
          node.name(),
          clustered ? "clustered" : "single node",
          entries.size(),
          http.address(),
          http.port());
      if (entries.isEmpty()) {
        log.warn("nothing is scheduled; add lifeboat.schedules (see config/lifeboat.yml)");
      }
      for (Entry e : entries) {
        log.info(
            "schedule {} of target '{}': \"{}\" {} ({}); next: {}",
            e.verb(),
            e.target(),
            e.cron(),
            e.zone(),
            e.key(),
            e.next().stream()
                .map(Instant::toString)
                .collect(java.util.stream.Collectors.joining(", ")));
      }
      changes.forEach(
          c -> {
            if (c.startsWith("kept")) {
              log.warn(c);
            } else {
              log.info(c);
            }
          });
      // after Quartz: the services never hold up the schedules, and a failed one is only logged
      nodeServices = new NodeServices(services.orderedStream().toList());
      nodeServices.start();
      refresh();
      startHeartbeat(properties.serve().checkinInterval());
      Serving serving = new Serving(node.name(), clustered, note, entries, changes);
      // the daemon's gauges (stores, schedules, read-back last successes) start here
      events.publishEvent(serving);
      return serving;
    } catch (SchedulerException e) {
      throw new IllegalStateException("the scheduler could not start: " + e.getMessage(), e);
    }
  }

  private static List<NodeSchedules.Definition> definitions(List<Schedules.Planned> planned) {
    return planned.stream()
        .map(p -> new NodeSchedules.Definition(p.jobName(), p.cron(), p.zone().getId()))
        .toList();
  }

  private java.time.Duration liveWithin() {
    return NodeSchedules.liveWithin(config.properties().serve().checkinInterval());
  }

  private void startHeartbeat(java.time.Duration every) {
    heartbeat = NodeService.backgroundThread("lifeboat-node-schedules");
    heartbeat.scheduleWithFixedDelay(
        this::refresh, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Refreshes this node's row and compares the running nodes' schedules; a change in where they
   * disagree is logged (a warning per schedule, or that they agree again).
   */
  private void refresh() {
    QuartzScheduler q = quartz;
    if (q == null) {
      return;
    }
    try {
      nodeSchedules.announce(q.instanceId(), node.name(), definitions(plan()));
      List<String> now = NodeSchedules.disagreements(nodeSchedules.live(liveWithin()));
      if (nodesUnknown) {
        log.info("the control database answers again: this node's schedules are recorded");
        nodesUnknown = false;
      }
      if (!now.equals(disagreements)) {
        if (now.isEmpty()) {
          log.info("the running nodes' schedules agree again");
        }
        now.forEach(
            line ->
                log.warn("nodes disagree: {}; give every node the same lifeboat.schedules", line));
        disagreements = now;
      }
    } catch (SQLException | RuntimeException e) {
      if (!nodesUnknown) {
        log.warn(
            "could not record this node's schedules in the control database: {}",
            PgErrors.firstLine(String.valueOf(e.getMessage())));
        nodesUnknown = true;
      }
    }
  }

  /**
   * Where the running nodes' schedules disagree (one line per schedule), as last compared; empty
   * when they agree or this process is not serving.
   */
  public List<String> disagreements() {
    return disagreements;
  }

  /** The next firing of a schedule, from Quartz's trigger, and the time to the one after. */
  public record Firing(String verb, String target, Instant next, java.time.Duration interval) {}

  /** The next firings of the schedules in force; empty unless serving. */
  public List<Firing> firings() {
    QuartzScheduler q = quartz;
    if (q == null) {
      return List.of();
    }
    try {
      return q.firings(plan());
    } catch (SchedulerException e) {
      log.warn("could not read the triggers: {}", e.getMessage());
      return List.of();
    }
  }

  /** Blocks until the application stops. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  @Override
  public void start() {
    // the scheduler starts only through serve(); running from here on means a stop (a signal while
    // the application was starting) reaches stop(), and serve() then schedules nothing
    running = true;
  }

  @Override
  public synchronized void stop() {
    if (quartz != null) {
      log.info("stopping: no new firings; stopping running jobs");
      long started = System.nanoTime();
      if (heartbeat != null) {
        heartbeat.shutdownNow();
      }
      if (nodeServices != null) {
        // first: a receiver uploads what it streamed while the stores and the target still answer
        nodeServices.stop(NodeServices.stopBudget(config.properties().serve().stopTimeout()));
        nodeServices = null;
      }
      try {
        nodeSchedules.leave(quartz.instanceId());
      } catch (SQLException e) {
        // the row goes stale and no node counts this one as running after a few check-ins
        log.debug("could not remove this node's schedule row: {}", e.getMessage());
      }
      quartz.stop();
      quartz = null;
      log.info("stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
    }
    running = false;
    stopped.countDown();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  /** Before the jobs of this process are stopped and long before the web server goes. */
  @Override
  public int getPhase() {
    return Integer.MAX_VALUE - 1000;
  }
}
