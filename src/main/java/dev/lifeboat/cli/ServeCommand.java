package dev.lifeboat.cli;

import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.schedule.Daemon;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(
    mixinStandardHelpOptions = true,
    name = "serve",
    description =
        "The daemon: fires the configured schedules (backup, drill) and serves /actuator/health and"
            + " /actuator/prometheus until stopped (SIGTERM stops running jobs cleanly).")
final class ServeCommand implements Callable<Integer> {

  @ParentCommand LifeboatCommand root;

  private LifeboatConfig config;
  private Daemon daemon;
  private Console console;

  /** The start-up lines (node, schedules with their next fire times) are the daemon's log. */
  @Override
  public Integer call() throws InterruptedException {
    config = root.bean(LifeboatConfig.class);
    daemon = root.bean(Daemon.class);
    console = root.bean(Console.class);
    Daemon.Serving serving = daemon.serve();
    if (console.json()) {
      console.printJson(serving);
    }
    daemon.awaitStop();
    return 0;
  }
}
