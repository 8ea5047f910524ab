package dev.lifeboat.cli;

import dev.lifeboat.run.History;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "history",
    description =
        "Job runs from the job repository, newest first: the audit trail of who ran what, when,"
            + " and how it ended.")
final class HistoryCommand extends VerbCommand {

  @Option(
      names = "--job",
      paramLabel = "JOB",
      description = "Only this job (backup, verify, restore, drill, prune, migrate, data-migrate).")
  String job;

  @Option(names = "--limit", paramLabel = "N", description = "At most N runs (default 20).")
  int limit = 20;

  @Override
  public Integer call() {
    if (limit < 1) {
      throw new dev.lifeboat.config.ConfigException("--limit", "must be at least 1");
    }
    // --target filters here; it need not be configured any more (runs outlive targets)
    List<History.Entry> runs = bean(History.class).list(root().targetName(), job, limit);
    Console console = printed(runs);
    if (console.json()) {
      return 0;
    }
    if (runs.isEmpty()) {
      console.say("no job runs recorded");
      return 0;
    }
    console.say(
        String.format(
            Locale.ROOT,
            "%-6s %-7s %-10s %-9s %-14s %-20s %8s  %-8s %s",
            "RUN",
            "JOB",
            "TARGET",
            "TRIGGER",
            "NODE",
            "STARTED",
            "SECONDS",
            "OUTCOME",
            "RESULT / ERROR"));
    for (History.Entry e : runs) {
      String detail =
          (e.result() == null ? "" : e.result())
              + (e.error() == null ? "" : (e.result() == null ? "" : " - ") + e.error());
      console.say(
          String.format(
              Locale.ROOT,
              "%-6d %-7s %-10s %-9s %-14s %-20s %8s  %-8s %s",
              e.execution(),
              e.job(),
              nz(e.target()),
              e.trigger(),
              nz(e.node()),
              e.startedAt() == null ? "-" : e.startedAt().replaceFirst("\\.\\d+Z$", "Z"),
              e.seconds() == null ? "-" : String.format(Locale.ROOT, "%.1f", e.seconds()),
              e.outcome(),
              detail));
    }
    return 0;
  }

  private static String nz(String s) {
    return s == null ? "-" : s;
  }
}
