package dev.lifeboat.drill;

import dev.lifeboat.archive.LifeboatDatabases;
import dev.lifeboat.pg.PgDatabases;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step {@code cleanup}: drops the scratch database, or with {@code --keep} marks it kept (the next
 * drill of the same backup drops it) and keeps the role that owns it.
 */
final class CleanupStep implements Tasklet {

  private final DrillSessions sessions;

  CleanupStep(DrillSessions sessions) {
    this.sessions = sessions;
  }

  @Override
  public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
    DrillSession drill = sessions.of(contribution);
    PgDatabases server = drill.server();
    if (drill.keep()) {
      server.mark(drill.scratch(), LifeboatDatabases.KEPT, drill.run());
      RestoreRole.keep(server.connection(), drill.restorer());
    } else {
      server.dropIfMarked(drill.scratch(), LifeboatDatabases.SCRATCH);
    }
    return RepeatStatus.FINISHED;
  }
}
