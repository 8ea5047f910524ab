package dev.lifeboat.cli;

import dev.lifeboat.datamigrate.DataMigrationStatus;
import dev.lifeboat.datamigrate.DataMigrations;
import dev.lifeboat.run.DataMigrateRequest;
import dev.lifeboat.run.DataMigrationResult;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.Trigger;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code lifeboat data-migrate run|status|pause|resume|cancel NAME}: chunked data migrations. */
@Command(
    name = "data-migrate",
    description =
        "Chunked data migrations from jobs/data-migrations/NAME.yml: exactly once across crashes.",
    subcommands = {
      DataMigrateCommand.Run.class,
      DataMigrateCommand.Status.class,
      DataMigrateCommand.Pause.class,
      DataMigrateCommand.Resume.class,
      DataMigrateCommand.Cancel.class
    })
final class DataMigrateCommand extends VerbCommand.Group {

  @Command(
      name = "run",
      description = "Run a data migration, or continue it after its last committed chunk.")
  static final class Run implements Callable<Integer> {
    @ParentCommand DataMigrateCommand parent;

    @Parameters(index = "0", paramLabel = "NAME", description = "The spec's file name.")
    String name;

    @Override
    public Integer call() {
      return parent.run(name, false);
    }
  }

  /** A subcommand of one data migration, by name. */
  abstract static class Named implements Callable<Integer> {
    @ParentCommand DataMigrateCommand parent;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;
  }

  @Command(name = "resume", description = "Continue a paused data migration (runs it here).")
  static final class Resume extends Named {

    @Override
    public Integer call() {
      return parent.run(name, true);
    }
  }

  @Command(
      name = "pause",
      description = "Pause a data migration: its runner, anywhere, stops after the current chunk.")
  static final class Pause extends Named {

    @Override
    public Integer call() {
      DataMigrations migrations = parent.bean(DataMigrations.class);
      return parent.printRequest(
          migrations.pause(name, parent.root().targetName()), "pause", "paused");
    }
  }

  @Command(
      name = "cancel",
      description = "Cancel a data migration for good; its history stays in status.")
  static final class Cancel extends Named {

    @Override
    public Integer call() {
      DataMigrations migrations = parent.bean(DataMigrations.class);
      return parent.printRequest(
          migrations.cancel(name, parent.root().targetName()), "cancel", "cancelled");
    }
  }

  @Command(
      name = "status",
      description = "Every data migration (or NAME): state, progress, rate, last error.")
  static final class Status implements Callable<Integer> {
    @ParentCommand DataMigrateCommand parent;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME")
    String name;

    @Override
    public Integer call() {
      List<DataMigrationStatus> all =
          parent.bean(DataMigrations.class).status(name, parent.root().targetName());
      Console console = parent.printed(all);
      if (all.isEmpty()) {
        console.say("no data migrations in " + parent.bean(DataMigrations.class).dir());
      }
      for (DataMigrationStatus s : all) {
        console.say(describe(s));
        if (s.lastError() != null) {
          console.say("  last error: " + s.lastError());
        }
        if (s.rowsAboveMaxKey() != null && s.rowsAboveMaxKey() > 0) {
          console.say("  " + above(s.rowsAboveMaxKey(), s.maxKey()));
        }
      }
      return 0;
    }
  }

  static String describe(DataMigrationStatus s) {
    return String.format(
        Locale.ROOT,
        "%-24s %-10s %5.1f%%  %d rows in %d chunks%s  target '%s' %s.%s%s",
        s.name(),
        s.state() + (s.requested() == null ? "" : " (" + s.requested() + " requested)"),
        s.progressRatio() * 100,
        s.rows(),
        s.chunks(),
        s.rowsPerSecond() == null
            ? ""
            : String.format(Locale.ROOT, ", %.0f rows/s", s.rowsPerSecond()),
        s.target(),
        s.table(),
        s.key(),
        s.maxKey() == null ? "" : " [" + s.minKey() + ".." + s.maxKey() + "]");
  }

  static String above(long rows, Long max) {
    return rows
        + " row"
        + (rows == 1 ? "" : "s")
        + (max == null ? " with a key above the kept maximum" : " with a key above " + max)
        + " (inserted after the start) were NOT migrated: run the change for them with a new"
        + " data migration or by hand";
  }

  int run(String name, boolean resume) {
    String target = bean(DataMigrations.class).target(name, root().targetName());
    DataMigrationResult r =
        bean(Door.class).run(new DataMigrateRequest(target, name, resume), Trigger.CLI);
    Console console = printed(r);
    console.say(
        String.format(
            Locale.ROOT,
            "data migration %s on target '%s': %s, %.1f%% of keys done; this run %d rows in %d"
                + " chunks, %.1fs, %.0f rows/s",
            r.name(),
            r.target(),
            r.state().name(),
            r.progressRatio() * 100,
            r.rows(),
            r.chunks(),
            r.seconds(),
            r.rowsPerSecond()));
    if (r.rowsAboveMaxKey() != null && r.rowsAboveMaxKey() > 0) {
      console.error("lifeboat: warning: " + above(r.rowsAboveMaxKey(), null));
    }
    if (r.error() != null) {
      console.error("lifeboat: data migration failed: " + r.error());
    }
    return r.exitCode();
  }

  int printRequest(DataMigrationStatus s, String verb, String done) {
    Console console = printed(s);
    console.say(
        s.state().equals(done)
            ? "data migration " + s.name() + " is " + done
            : verb
                + " of data migration "
                + s.name()
                + " requested: its runner stops after the current chunk");
    console.say(describe(s));
    return 0;
  }
}
