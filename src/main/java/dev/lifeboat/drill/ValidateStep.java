package dev.lifeboat.drill;

import dev.lifeboat.archive.Assertions;
import dev.lifeboat.archive.DrillValidator;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.pg.PgConnection;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Step {@code validate}: reads the scratch database back against the manifest and the operator's
 * assertions, as whoever restored it (the archive's functions never run as superuser).
 */
final class ValidateStep implements Tasklet {

  private final DrillSessions sessions;
  private final LifeboatConfig config;

  ValidateStep(DrillSessions sessions, LifeboatConfig config) {
    this.sessions = sessions;
    this.config = config;
  }

  @Override
  public RepeatStatus execute(StepContribution contribution, ChunkContext chunk) throws Exception {
    DrillSession drill = sessions.of(contribution);
    String target = drill.targetName();
    PgConnection scratch =
        drill.restorer() == null
            ? drill.drillServer().withDatabase(drill.scratch())
            : drill.restorer().into(drill.scratch());
    DrillValidator.validate(
            scratch,
            drill.manifest(),
            Assertions.dir(config, target),
            target,
            config.targetSettings(target))
        .forEach(drill::check);
    return RepeatStatus.FINISHED;
  }
}
