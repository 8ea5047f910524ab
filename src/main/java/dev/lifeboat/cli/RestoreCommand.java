package dev.lifeboat.cli;

import dev.lifeboat.archive.RowCounts;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.restore.Restore;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.RestoreRequest;
import dev.lifeboat.run.RestoreResult;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "restore",
    description = "Verify a backup, then restore it into a database on the target's server.")
final class RestoreCommand extends VerbCommand {

  @Mixin VerbCommand.BackupId backup;

  @Option(
      names = "--into",
      required = true,
      paramLabel = "DB",
      description = "Database to restore into (created when missing).")
  String into;

  @Option(
      names = "--create-roles",
      description =
          "Create the roles the backup's globals hold and this server lacks (a brand-new server);"
              + " existing roles are never altered.")
  boolean createRoles;

  @Option(
      names = "--create-privileged-roles",
      description =
          "With --create-roles: also create roles that had SUPERUSER, REPLICATION or BYPASSRLS,"
              + " with those attributes.")
  boolean createPrivilegedRoles;

  @Option(
      names = "--allow-unsigned",
      description =
          "Restore a backup no trusted key signed (made before manifest signing, or by a host whose"
              + " key is not in lifeboat.signing.trusted-keys).")
  boolean allowUnsigned;

  @Option(names = "--yes", description = "Do not ask; required when stdin is not a terminal.")
  boolean yes;

  @Option(
      names = "--clean",
      description = "Replace a database that holds tables (a safety backup is taken first).")
  boolean clean;

  @Override
  public Integer call() {
    Restore restore = bean(Restore.class);
    Console console = console();
    Target target = target();
    bean(Targets.class).checkServer(target);
    // the plan the person confirms is the one that runs: the request is pinned to its backup
    RestoreRequest request =
        restore.plan(
            new RestoreRequest(
                target.name(),
                backup.id,
                into,
                clean,
                createRoles,
                createPrivilegedRoles,
                allowUnsigned),
            target,
            console::note);
    if (!yes) {
      if (!Console.isTerminal()) {
        throw new ConfigException(
            "--yes",
            "stdin is not a terminal, so nobody can confirm; add --yes to restore"
                + " without asking; nothing was changed");
      }
      String typed = System.console().readLine("Type the database name (%s) to go ahead: ", into);
      if (typed == null || !typed.trim().equals(into)) {
        throw new ConfigException(
            "--into",
            "not confirmed (typed '"
                + (typed == null ? "" : typed.trim())
                + "'); nothing was changed");
      }
    }
    RestoreResult result = bean(Door.class).run(request, Trigger.CLI);
    printed(result);
    if (result.outcome() != Outcome.SUCCESS) {
      console.error("lifeboat: restore into database '" + into + "' " + result.error());
      return result.exitCode();
    }
    if (result.createdRoles() != null && !result.createdRoles().isEmpty()) {
      console.note(
          "created roles (from the backup's globals): " + String.join(", ", result.createdRoles()));
    }
    if (result.safetyBackup() != null) {
      console.note(
          "safety backup of the replaced database: "
              + result.safetyBackup()
              + " (label pre-restore)");
    }
    long ok = result.tables().stream().filter(RowCounts.TableCount::ok).count();
    console.say(
        String.format(
            java.util.Locale.ROOT,
            "restored backup %s from store %s into database '%s' in %.1fs;"
                + " row counts match the manifest for %d of %d tables",
            result.backup(),
            result.store(),
            result.database(),
            result.restoreSeconds(),
            ok,
            result.tables().size()));
    for (RowCounts.TableCount t : result.tables()) {
      console.say(
          String.format(
              java.util.Locale.ROOT,
              "  %-40s %12s %12s  %s",
              t.table(),
              t.expected(),
              t.actual(),
              t.ok() ? "ok" : "MISMATCH"));
    }
    result.attempts().stream()
        .filter(a -> !a.status().equals("ok"))
        .forEach(
            a ->
                console.note(
                    "  store " + a.store() + " was skipped: " + a.status() + " - " + a.detail()));
    return 0;
  }
}
