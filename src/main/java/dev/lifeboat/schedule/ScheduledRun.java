package dev.lifeboat.schedule;

import dev.lifeboat.base.LifeboatVersion;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Result;
import dev.lifeboat.run.VerbName;
import java.util.Locale;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Quartz job: runs the verb its job data names through that verb's door, exactly as the
 * command line does. Quartz never runs two firings of one (verb, target) at once, across the
 * cluster; a typed command running at the same time is refused by the target's lock and logged as
 * skipped.
 */
@DisallowConcurrentExecution
final class ScheduledRun implements Job {

  static final String VERB = "verb";
  static final String TARGET = "target";
  static final String KEY = "key";

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  private final Door door;

  ScheduledRun(Door door) {
    this.door = door;
  }

  /** A firing that could not become a run: the verb unknown here, the target missing. */
  record Failed(String error) implements Result {

    @Override
    public Outcome outcome() {
      return Outcome.FAILED;
    }

    @Override
    public String summary() {
      return "";
    }
  }

  /**
   * Runs {@code verb} for {@code target} through its door. A verb this node does not know (a node
   * of an older Lifeboat in a cluster with newer ones) or a target its configuration lacks is a
   * failed run that says so, never an exception out of Quartz.
   */
  Result run(String verb, String target) {
    VerbName name = VerbName.of(verb);
    if (name == null || !name.schedulable()) {
      return new Failed(
          "this node cannot run '"
              + verb
              + "': its Lifeboat "
              + LifeboatVersion.get()
              + " has no such job (known: "
              + String.join(", ", VerbName.schedulableWords())
              + "); run the same Lifeboat version on every node");
    }
    try {
      return door.runScheduled(name, target);
    } catch (RuntimeException e) {
      String why = e.getMessage();
      return new Failed(why == null || why.isBlank() ? e.getClass().getName() : why);
    }
  }

  @Override
  public void execute(JobExecutionContext context) {
    JobDataMap data = context.getMergedJobDataMap();
    String verb = data.getString(VERB);
    String target = data.getString(TARGET);
    log.info(
        "fired {} of target '{}' ({}, due {})",
        verb,
        target,
        context.isRecovering()
            ? "recovering a firing whose node died"
            : "schedule " + data.getString(KEY),
        context.getScheduledFireTime().toInstant());
    long started = System.nanoTime();
    Result run = run(verb, target);
    double seconds = (System.nanoTime() - started) / 1e9;
    if (run.outcome() == Outcome.SKIPPED) {
      log.info("skipped {} of target '{}': {}", verb, target, run.error());
      return;
    }
    String line =
        String.format(
            Locale.ROOT,
            "finished %s of target '%s': %s in %.1fs%s%s",
            verb,
            target,
            run.outcome().word(),
            seconds,
            run.summary() == null || run.summary().isBlank() ? "" : " (" + run.summary() + ")",
            run.error() == null ? "" : ": " + run.error());
    if (run.outcome() == Outcome.SUCCESS || run.outcome() == Outcome.STOPPED) {
      log.info(line);
    } else {
      log.warn(line);
    }
  }
}
