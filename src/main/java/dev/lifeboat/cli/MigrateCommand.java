package dev.lifeboat.cli;

import dev.lifeboat.migrate.MigrationStatus;
import dev.lifeboat.migrate.Migrations;
import dev.lifeboat.migrate.Rehearsal;
import dev.lifeboat.migrate.RehearsalReport;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.History;
import dev.lifeboat.run.MigrateRequest;
import dev.lifeboat.run.MigrateResult;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "migrate",
    description = "Versioned SQL migrations of a target: status, apply, new.",
    subcommands = {
      MigrateCommand.Status.class,
      MigrateCommand.Apply.class,
      MigrateCommand.New.class
    })
final class MigrateCommand extends VerbCommand.Group {

  @Command(
      name = "status",
      description =
          "Applied and pending migrations and every problem (changed checksum, missing file, failed"
              + " migration); exit 1 when there is a problem.")
  static final class Status extends VerbCommand {

    @Override
    public Integer call() {
      Console console = console();
      Target target = connectedTarget();
      MigrationStatus s = bean(Migrations.class).shown(target);
      if (console.json()) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", s.target());
        out.put("dir", s.dir());
        out.put("historyTable", s.historyTable());
        out.put("clean", s.clean());
        out.put("applied", s.applied());
        out.put("pending", s.pending());
        out.put("problems", s.problems());
        out.put("runs", bean(History.class).list(target.name(), VerbName.MIGRATE.word(), 20));
        console.printJson(out);
      }
      console.say(
          String.format(
              Locale.ROOT,
              "migrations of target '%s' (%s): %d applied, %d pending, %s",
              s.target(),
              s.dir(),
              s.applied().size(),
              s.pending().size(),
              s.clean()
                  ? "no problems"
                  : s.problems().size() + " problem" + (s.problems().size() == 1 ? "" : "s")));
      for (MigrationStatus.Applied a : s.applied()) {
        console.say(
            String.format(
                Locale.ROOT,
                "  %-8s %-6s %-40s checksum %-12s %s by %s, %d ms",
                a.success() ? "applied" : "FAILED",
                a.version(),
                a.description(),
                a.checksum(),
                a.installedOn(),
                a.installedBy(),
                a.executionMillis() == null ? 0 : a.executionMillis()));
      }
      for (MigrationStatus.Pending p : s.pending()) {
        console.say(
            String.format(
                Locale.ROOT,
                "  %-8s %-6s %-40s checksum %s",
                "pending",
                p.version(),
                p.description(),
                p.checksum()));
      }
      for (MigrationStatus.Problem p : s.problems()) {
        console.say(
            "  PROBLEM "
                + p.kind().name().toLowerCase(Locale.ROOT).replace('_', '-')
                + ": "
                + p.detail()
                + "; to fix: "
                + p.fix());
      }
      return s.clean() ? 0 : 1;
    }
  }

  @Command(
      name = "apply",
      description =
          "Apply the pending migrations in order, each in its own transaction where PostgreSQL"
              + " allows; refuses while migrate status shows a problem.")
  static final class Apply extends VerbCommand {

    @Option(
        names = "--dry-run",
        description =
            "Print the plan and rehearse it on a scratch copy of the target's schema (on the"
                + " drill server when drill-url is set), then drop the copy; the target is not"
                + " touched. Statements on roles and databases are rolled back; one nothing can"
                + " undo (CREATE DATABASE, ALTER SYSTEM...) is refused, exit 2.")
    boolean dryRun;

    @Option(
        names = "--safe",
        description =
            "A verified pre-migrate backup first, post-checks and a post-migrate backup after;"
                + " on failure, the restore command that undoes it.")
    boolean safe;

    @Option(
        names = "--restore-on-failure",
        description = "With --safe: restore the pre-migration backup when the apply fails.")
    boolean restoreOnFailure;

    @Option(
        names = "--with-data",
        description = "With --dry-run: rehearse on the latest backup restored (a kept drill).")
    boolean withData;

    @Override
    public Integer call() {
      Console console = console();
      Target target = target();
      if (withData && !dryRun) {
        throw new dev.lifeboat.config.ConfigException(
            "--with-data", "only goes with --dry-run; nothing was changed");
      }
      if (restoreOnFailure && !safe) {
        throw new dev.lifeboat.config.ConfigException(
            "--restore-on-failure", "only goes with --safe; nothing was changed");
      }
      bean(Targets.class).checkConnection(target);
      if (dryRun) {
        return dryRun(console, target);
      }
      MigrateResult r =
          bean(Door.class)
              .run(new MigrateRequest(target.name(), safe, restoreOnFailure), Trigger.CLI);
      printed(r);
      for (MigrateResult.Step step : r.migrations()) {
        console.say(
            String.format(
                Locale.ROOT,
                "  applied %-6s %-40s %d ms",
                step.version(),
                step.description(),
                step.millis()));
      }
      switch (r.status()) {
        case UP_TO_DATE ->
            console.say("target '" + r.target() + "' is up to date: no pending migration");
        case APPLIED ->
            console.say(
                "applied "
                    + r.migrations().size()
                    + " migration"
                    + (r.migrations().size() == 1 ? "" : "s")
                    + " to target '"
                    + r.target()
                    + "'");
        default -> console.error("lifeboat: " + r.error());
      }
      if (r.preBackup() != null) {
        console.say("pre-migration backup: " + r.preBackup());
      }
      if (r.postChecks() != null) {
        r.postChecks().forEach(c -> console.say("  post-check " + c.line()));
      }
      if (r.postBackup() != null) {
        console.say("post-migration backup: " + r.postBackup());
      }
      if (!r.ok() && r.undo() != null && !r.restored() && !r.error().contains(r.undo())) {
        console.error("to undo: " + r.undo());
      }
      if (r.ok() && r.error() != null) {
        console.error("lifeboat: " + r.error());
        return 3;
      }
      return r.ok() ? 0 : 1;
    }

    private int dryRun(Console console, Target target) {
      RehearsalReport r = bean(Rehearsal.class).run(target, withData, console::note);
      printed(r);
      if (MigrateResult.Status.UP_TO_DATE.word().equals(r.status())) {
        console.say("target '" + r.target() + "' is up to date: nothing to rehearse");
        return 0;
      }
      if (!r.plan().isEmpty()) {
        console.say("plan for target '" + r.target() + "': " + r.plan().size() + " migration(s)");
      }
      for (RehearsalReport.Planned p : r.plan()) {
        console.say(
            String.format(
                Locale.ROOT,
                "  %s (version %s, checksum %s, %s)",
                p.script(),
                p.version(),
                p.checksum(),
                p.inTransaction() ? "in a transaction" : "outside a transaction"));
        p.sql().lines().forEach(line -> console.say("    | " + line));
      }
      if (r.copy() != null) {
        console.say(
            "rehearsal on "
                + r.scratch()
                + " ("
                + r.copy()
                + " copy of the target, on "
                + r.server()
                + "):");
      }
      if (r.rolledBackFrom() != null) {
        console.say(
            "  from version "
                + r.rolledBackFrom()
                + " on, in one transaction rolled back at the end, for the statements that act on"
                + " the whole server (locks an earlier migration of it took are not listed"
                + " again):");
        r.clusterWide().forEach(st -> console.say("    " + st));
      }
      for (RehearsalReport.Rehearsed m : r.rehearsal()) {
        console.say(
            String.format(
                Locale.ROOT,
                "  %-6s %s in %d ms%s",
                m.ok() ? "ok" : "FAILED",
                m.script(),
                m.millis(),
                m.ok() ? "" : ": " + m.error()));
        for (RehearsalReport.StatementLocks st : m.statements()) {
          console.say(
              "      "
                  + st.sql()
                  + (m.inTransaction()
                      ? "  -> "
                          + (st.locks().isEmpty() ? "no new lock" : String.join(", ", st.locks()))
                      : ""));
        }
      }
      if (r.scratch() != null) {
        console.say(
            "scratch database "
                + r.scratch()
                + (r.scratchDropped() ? " dropped" : " NOT dropped (drop it by hand)"));
      }
      r.leftovers().forEach(l -> console.say("left on purpose: " + l));
      if (!r.ok()) {
        console.error("lifeboat: dry run " + r.status() + ": " + r.error());
        return 1;
      }
      console.say(
          "dry run passed; the target was not touched, and nothing outside the scratch database"
              + " changed on "
              + r.server());
      return 0;
    }
  }

  @Command(
      name = "new",
      description = "Create the next version's migration file, with a header comment.")
  static final class New extends VerbCommand {

    @Parameters(paramLabel = "NAME", description = "What the migration does, e.g. add_email_index.")
    String name;

    @Override
    public Integer call() {
      Console console = console();
      Migrations migrations = bean(Migrations.class);
      Path dir = root().targetName() == null ? migrations.dir() : migrations.dir(target());
      Path file = Migrations.newFile(dir, name, bean(Clock.class).instant());
      if (console.json()) {
        console.printJson(Map.of("file", file.toString()));
      } else {
        console.say(file.toString());
      }
      return 0;
    }
  }
}
