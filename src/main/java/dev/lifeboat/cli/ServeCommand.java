package dev.lifeboat.cli;

import dev.lifeboat.schedule.Daemon;
import picocli.CommandLine.Command;

@Command(
    name = "serve",
    description =
        "The daemon: fires the configured schedules (backup, drill) and serves /actuator/health and"
            + " /actuator/prometheus until stopped (SIGTERM stops running jobs cleanly).")
final class ServeCommand extends VerbCommand {

  /** The start-up lines (node, schedules with their next fire times) are the daemon's log. */
  @Override
  public Integer call() throws InterruptedException {
    Daemon daemon = bean(Daemon.class);
    printed(daemon.serve());
    daemon.awaitStop();
    return 0;
  }
}
