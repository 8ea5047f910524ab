package dev.lifeboat.drill;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.stereotype.Component;

/**
 * The sessions of the drills running in this process, by job execution: each is put by {@link
 * DrillFinish#beforeJob} and removed by its {@code afterJob}, which Spring Batch calls for every
 * execution whose {@code beforeJob} ran (even a failed or stopped one), so none outlives its run;
 * an execution id is never shared by two runs, so two drills never see each other's.
 */
@Component
final class DrillSessions {

  private final Map<Long, DrillSession> running = new ConcurrentHashMap<>();

  void put(long execution, DrillSession session) {
    running.put(execution, session);
  }

  /** The session of the run {@code contribution}'s step belongs to. */
  DrillSession of(StepContribution contribution) {
    long execution = contribution.getStepExecution().getJobExecutionId();
    DrillSession session = running.get(execution);
    if (session == null) {
      throw new IllegalStateException("drill run " + execution + " has no session");
    }
    return session;
  }

  DrillSession remove(long execution) {
    return running.remove(execution);
  }
}
