package dev.lifeboat.schedule;

import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.config.Schedules;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.LocalExecutions;
import dev.lifeboat.run.NodeSchedules;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.quartz.CronScheduleBuilder;
import org.quartz.CronTrigger;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.TriggerBuilder;
import org.quartz.TriggerKey;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.impl.matchers.GroupMatcher;
import org.quartz.utils.ConnectionProvider;
import org.quartz.utils.DBConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quartz scheduler of {@code serve}: a JDBC job store in the control database, clustered on
 * PostgreSQL (each firing runs on exactly one node; a dead node's firing is recovered by another),
 * its triggers reconciled with the configuration at every start.
 */
final class QuartzScheduler {

  static final String GROUP = "lifeboat";
  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  private final Scheduler scheduler;
  private final LocalExecutions localExecutions;
  private final Duration stopTimeout;
  private final String instanceId;

  QuartzScheduler(
      DataSource control,
      boolean postgres,
      boolean clustered,
      LifeboatProperties.Serve serve,
      String node,
      Door door,
      LocalExecutions localExecutions)
      throws SchedulerException {
    this.localExecutions = localExecutions;
    this.stopTimeout = serve.stopTimeout();
    String provider = "lifeboat-control-" + UUID.randomUUID();
    DBConnectionManager.getInstance().addConnectionProvider(provider, new Provider(control));
    Properties p = new Properties();
    p.setProperty("org.quartz.scheduler.instanceName", "lifeboat");
    this.instanceId = node + "-" + ProcessHandle.current().pid();
    p.setProperty("org.quartz.scheduler.instanceId", instanceId);
    p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    p.setProperty("org.quartz.scheduler.makeSchedulerThreadDaemon", "true");
    p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(serve.threads()));
    p.setProperty("org.quartz.threadPool.makeThreadsDaemons", "true");
    p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
    p.setProperty(
        "org.quartz.jobStore.driverDelegateClass",
        postgres
            ? "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate"
            : "org.quartz.impl.jdbcjobstore.StdJDBCDelegate");
    p.setProperty("org.quartz.jobStore.dataSource", provider);
    p.setProperty("org.quartz.jobStore.tablePrefix", "QRTZ_");
    p.setProperty("org.quartz.jobStore.useProperties", "true");
    p.setProperty("org.quartz.jobStore.isClustered", String.valueOf(clustered));
    p.setProperty(
        "org.quartz.jobStore.clusterCheckinInterval",
        String.valueOf(serve.checkinInterval().toMillis()));
    // without it one trigger can fire on two nodes (quartz-scheduler issues 107 and 548)
    p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
    p.setProperty(
        "org.quartz.jobStore.misfireThreshold",
        String.valueOf(serve.misfireThreshold().toMillis()));
    StdSchedulerFactory factory = new StdSchedulerFactory(p);
    this.scheduler = factory.getScheduler();
    scheduler.setJobFactory((bundle, s) -> new ScheduledRun(door));
  }

  /**
   * Makes the triggers in the job store what the configuration says, without overruling another
   * running node: a schedule this node lacks is removed only when no running node ({@code others})
   * has it, and a schedule another running node has with a different cron or zone is left as it is
   * (the nodes disagree; the daemon reports it). Unchanged ones are left alone, so a firing missed
   * while every node was down still runs once now.
   */
  List<String> reconcile(List<Schedules.Planned> planned, List<NodeSchedules.Member> others)
      throws SchedulerException {
    List<String> changes = new ArrayList<>();
    Set<String> wanted = new HashSet<>();
    for (Schedules.Planned s : planned) {
      wanted.add(s.jobName());
    }
    Map<String, Map<String, NodeSchedules.Definition>> elsewhere = new HashMap<>();
    for (NodeSchedules.Member m : others == null ? List.<NodeSchedules.Member>of() : others) {
      for (NodeSchedules.Definition d : m.schedules()) {
        elsewhere.computeIfAbsent(d.job(), k -> new TreeMap<>()).put(m.node(), d);
      }
    }
    for (JobKey key : scheduler.getJobKeys(GroupMatcher.jobGroupEquals(GROUP))) {
      if (wanted.contains(key.getName())) {
        continue;
      }
      if (others == null) {
        changes.add(
            "kept schedule "
                + key.getName()
                + ": this node's configuration lacks it, and which running nodes have it is"
                + " unknown");
        continue;
      }
      Map<String, NodeSchedules.Definition> runners = elsewhere.get(key.getName());
      if (runners != null) {
        // an older configuration, a node being set up, a typo: never a reason to stop backups
        changes.add(
            "kept schedule "
                + key.getName()
                + ": this node's configuration lacks it, but running node"
                + (runners.size() == 1 ? " " : "s ")
                + String.join(", ", runners.keySet())
                + " have it; to remove it, remove it from every node's configuration");
        continue;
      }
      scheduler.deleteJob(key);
      changes.add("removed schedule " + key.getName() + " (configured on no running node)");
    }
    for (Schedules.Planned s : planned) {
      TriggerKey triggerKey = TriggerKey.triggerKey(s.jobName(), GROUP);
      var existing = scheduler.getTrigger(triggerKey);
      TimeZone zone = TimeZone.getTimeZone(s.zone());
      if (existing instanceof CronTrigger cron
          && cron.getCronExpression().equals(s.cron())
          && cron.getTimeZone().getID().equals(zone.getID())
          && s.key().equals(cron.getJobDataMap().getString(ScheduledRun.KEY))) {
        continue;
      }
      if (existing instanceof CronTrigger cron) {
        String other = runnerOf(elsewhere.get(s.jobName()), cron);
        if (other != null && !sameTiming(cron, s.cron(), zone)) {
          changes.add(
              "kept schedule "
                  + s.jobName()
                  + " as running node "
                  + other
                  + " has it (\""
                  + cron.getCronExpression()
                  + "\" "
                  + cron.getTimeZone().getID()
                  + "); this node's configuration says \""
                  + s.cron()
                  + "\" "
                  + zone.getID()
                  + ": the nodes disagree");
          continue;
        }
      }
      JobDetail job =
          JobBuilder.newJob(ScheduledRun.class)
              .withIdentity(s.jobName(), GROUP)
              .usingJobData(ScheduledRun.VERB, s.verb())
              .usingJobData(ScheduledRun.TARGET, s.target())
              .requestRecovery(true)
              .build();
      CronTrigger trigger =
          TriggerBuilder.newTrigger()
              .withIdentity(triggerKey)
              .forJob(job)
              .usingJobData(ScheduledRun.KEY, s.key())
              .withSchedule(
                  CronScheduleBuilder.cronSchedule(s.cron())
                      .inTimeZone(zone)
                      // missed while every node was down: once now, then on schedule
                      .withMisfireHandlingInstructionFireAndProceed())
              .build();
      if (existing == null) {
        // not replace: two nodes starting together on an empty job store would otherwise both
        // add it, the second replacing the first's trigger just as it fired, and a new trigger's
        // first fire time (from its start time less a second) then ran that slot a second time
        try {
          scheduler.scheduleJob(job, Set.of(trigger), false);
        } catch (org.quartz.ObjectAlreadyExistsException e) {
          continue; // another node added it first; a later start reconciles any difference
        }
      } else {
        scheduler.scheduleJob(job, Set.of(trigger), true);
      }
      changes.add(
          (existing == null ? "added" : "changed")
              + " schedule "
              + s.jobName()
              + " ("
              + s.key()
              + ")");
    }
    return changes;
  }

  /** This process in the cluster: the node's name and the process id. */
  String instanceId() {
    return instanceId;
  }

  /** A running node whose configuration matches the trigger as it is, or null. */
  private static String runnerOf(Map<String, NodeSchedules.Definition> runners, CronTrigger t) {
    if (runners == null) {
      return null;
    }
    for (Map.Entry<String, NodeSchedules.Definition> e : runners.entrySet()) {
      if (sameTiming(t, e.getValue().cron(), TimeZone.getTimeZone(e.getValue().zone()))) {
        return e.getKey();
      }
    }
    return null;
  }

  private static boolean sameTiming(CronTrigger t, String cron, TimeZone zone) {
    return t.getCronExpression().equals(cron) && t.getTimeZone().getID().equals(zone.getID());
  }

  /** Each schedule's next fire time as its trigger in the job store holds it. */
  List<Daemon.Firing> firings(List<Schedules.Planned> planned) throws SchedulerException {
    List<Daemon.Firing> result = new ArrayList<>();
    for (Schedules.Planned s : planned) {
      var trigger = scheduler.getTrigger(TriggerKey.triggerKey(s.jobName(), GROUP));
      if (trigger == null || trigger.getNextFireTime() == null) {
        continue;
      }
      Date next = trigger.getNextFireTime();
      Date after = trigger.getFireTimeAfter(next);
      result.add(
          new Daemon.Firing(
              s.verb(),
              s.target(),
              next.toInstant(),
              after == null ? null : Duration.between(next.toInstant(), after.toInstant())));
    }
    return result;
  }

  /** The next {@code n} fire times of a schedule, computed from its cron and zone. */
  static List<Instant> nextFireTimes(Schedules.Planned s, int n, Instant from) {
    CronTrigger t =
        TriggerBuilder.newTrigger()
            .withSchedule(
                CronScheduleBuilder.cronSchedule(s.cron())
                    .inTimeZone(TimeZone.getTimeZone(s.zone())))
            .startAt(Date.from(from))
            .build();
    List<Instant> result = new ArrayList<>();
    Date next = Date.from(from);
    for (int i = 0; i < n; i++) {
      next = t.getFireTimeAfter(next);
      if (next == null) {
        break;
      }
      result.add(next.toInstant());
    }
    return result;
  }

  void start() throws SchedulerException {
    scheduler.start();
  }

  /**
   * Graceful stop: no new firing starts, running jobs are stopped through {@code JobOperator.stop}
   * (child processes ended, uploads aborted) and waited for, then the scheduler shuts down.
   */
  void stop() {
    try {
      scheduler.standby();
    } catch (SchedulerException e) {
      log.warn("could not pause the scheduler: {}", e.getMessage());
    }
    localExecutions.stopAll(stopTimeout);
    try {
      // the jobs were stopped above: what is left to wait for is their last bookkeeping
      scheduler.shutdown(localExecutions.idle());
    } catch (SchedulerException e) {
      log.warn("could not shut the scheduler down: {}", e.getMessage());
    }
  }

  /** Quartz's view of the control database: connections from Lifeboat's own pool. */
  private record Provider(DataSource dataSource) implements ConnectionProvider {
    @Override
    public Connection getConnection() throws SQLException {
      return dataSource.getConnection();
    }

    @Override
    public void shutdown() {
      // the pool belongs to the application context
    }

    @Override
    public void initialize() {
      // nothing: the pool is already there
    }
  }
}
