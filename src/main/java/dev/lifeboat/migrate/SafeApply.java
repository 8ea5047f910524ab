package dev.lifeboat.migrate;

import dev.lifeboat.archive.Assertions;
import dev.lifeboat.archive.BackupVerifier;
import dev.lifeboat.archive.DrillCheck;
import dev.lifeboat.archive.DrillValidator;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.run.BackupRequest;
import dev.lifeboat.run.BackupResult;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.MigrateResult;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.RestoreRequest;
import dev.lifeboat.run.RestoreResult;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.target.Target;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;

/**
 * {@code migrate apply --safe}: a verified {@code pre-migrate-<version>} backup (through the {@link
 * Door}; it starts its job on a thread of its own, as this runs inside the migrate step), the
 * apply, post-checks (status clean, the drill assertions true on the target), then a {@code
 * post-migrate-<version>} backup. When the apply or a post-check fails it says how to restore the
 * pre-migration backup, or restores it through the door.
 */
@Component
final class SafeApply {

  private final LifeboatConfig config;
  private final Migrations migrations;
  private final Door door;
  private final BackupVerifier verifier;

  SafeApply(LifeboatConfig config, Migrations migrations, Door door, BackupVerifier verifier) {
    this.config = config;
    this.migrations = migrations;
    this.door = door;
    this.verifier = verifier;
  }

  MigrateResult apply(
      Target target, boolean restoreOnFailure, Trigger trigger, Consumer<String> say) {
    MigrateResult applied;
    String pre;
    String version;
    List<MigrateResult.PostCheck> checks = new ArrayList<>();
    try (Connection lock = migrations.lock(target, say)) {
      MigrationStatus before = migrations.status(target);
      String refusal = Migrations.refusal(before);
      if (refusal != null || before.pending().isEmpty()) {
        return migrations.applyLocked(target);
      }
      version = before.pending().get(before.pending().size() - 1).version();
      say.accept("taking the pre-migration backup pre-migrate-" + version);
      BackupResult backup =
          door.run(new BackupRequest(target.name(), "pre-migrate-" + version), trigger);
      if (backup.status() != BackupResult.Status.COMPLETE) {
        return stopped(
            target,
            before,
            "the pre-migration backup did not complete ("
                + backup.status().word()
                + (backup.error() == null ? "" : ": " + backup.error())
                + "); nothing was applied");
      }
      pre = backup.id();
      BackupVerifier.VerifyResult verified = verifier.verify(target, pre, null);
      if (!verified.ok()) {
        return stopped(
                target,
                before,
                "the pre-migration backup "
                    + pre
                    + " did not verify in every store; nothing was applied")
            .safe(
                MigrateResult.Status.FAILED,
                "the pre-migration backup "
                    + pre
                    + " did not verify in every store; nothing was applied",
                pre,
                null,
                List.of(),
                null,
                false);
      }
      say.accept("pre-migration backup " + pre + " verified; applying");
      applied = migrations.applyLocked(target);
      if (applied.ok()) {
        MigrationStatus after = migrations.status(target);
        checks.add(
            after.clean()
                ? new MigrateResult.PostCheck(
                    "status", true, "clean, " + after.pending().size() + " pending")
                : new MigrateResult.PostCheck("status", false, Migrations.refusal(after)));
        for (DrillCheck c : assertions(target)) {
          checks.add(new MigrateResult.PostCheck(c.name(), c.ok(), c.detail()));
        }
      }
    } catch (SQLException e) {
      throw new MigrationException(
          "cannot connect to target '" + target.name() + "': " + Migrations.reason(e), e);
    }
    boolean checksFailed = checks.stream().anyMatch(c -> !c.ok());
    if (applied.ok() && !checksFailed) {
      say.accept("taking the post-migration backup post-migrate-" + version);
      BackupResult post =
          door.run(new BackupRequest(target.name(), "post-migrate-" + version), trigger);
      boolean done = post.status() == BackupResult.Status.COMPLETE;
      return applied.safe(
          applied.status(),
          done
              ? null
              : "the migrations were applied but the post-migration backup did not complete ("
                  + post.status().word()
                  + (post.error() == null ? "" : ": " + post.error())
                  + "); take one with lifeboat backup",
          pre,
          done ? post.id() : null,
          checks,
          null,
          false);
    }
    String why =
        applied.ok()
            ? "a post-check failed after the migrations were applied: "
                + checks.stream()
                    .filter(c -> !c.ok())
                    .map(MigrateResult.PostCheck::line)
                    .findFirst()
                    .orElse("")
            : applied.error();
    String database = target.connection().database();
    String undo =
        "lifeboat restore "
            + pre
            + " --target "
            + target.name()
            + " --into "
            + database
            + " --clean --yes";
    if (!restoreOnFailure) {
      return applied.safe(
          MigrateResult.Status.FAILED,
          why + "; the pre-migration backup is " + pre + "; to undo: " + undo,
          pre,
          null,
          checks,
          undo,
          false);
    }
    say.accept("restoring the pre-migration backup " + pre + " into " + database);
    try {
      // through the door, on a thread of its own (as is the restore's safety backup in turn)
      RestoreResult restored =
          door.run(
              new RestoreRequest(target.name(), pre, database, true, false, false, false), trigger);
      if (restored.outcome() != Outcome.SUCCESS) {
        throw new MigrationException(restored.error());
      }
      return applied.safe(
          MigrateResult.Status.FAILED,
          why
              + "; restored the pre-migration backup "
              + pre
              + " into "
              + database
              + (restored.safetyBackup() == null
                  ? ""
                  : " (the migrated database was saved first as backup "
                      + restored.safetyBackup()
                      + ")"),
          pre,
          null,
          checks,
          undo,
          true);
    } catch (RuntimeException e) {
      return applied.safe(
          MigrateResult.Status.FAILED,
          why
              + "; restoring the pre-migration backup failed too: "
              + e.getMessage()
              + "; to undo by hand: "
              + undo,
          pre,
          null,
          checks,
          undo,
          false);
    }
  }

  private static MigrateResult stopped(Target target, MigrationStatus before, String error) {
    return MigrateResult.notApplied(
        MigrateResult.Status.FAILED, target.name(), before.pending().size(), error);
  }

  /** The drill assertions of the target (global and its own), run on the target itself. */
  private List<DrillCheck> assertions(Target target) {
    Path dir = Assertions.dir(config, target.name());
    List<DrillCheck> checks = new ArrayList<>();
    try (Connection c = target.connection().open()) {
      checks.addAll(DrillValidator.assertions(c, dir, target.name()));
    } catch (SQLException e) {
      checks.add(DrillCheck.failed("assertions", "cannot connect: " + Migrations.reason(e)));
    }
    return checks;
  }
}
