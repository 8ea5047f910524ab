package dev.lifeboat.cli;

import dev.lifeboat.catalog.Pins;
import dev.lifeboat.target.Target;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    mixinStandardHelpOptions = true,
    name = "unpin",
    description = "Remove a backup's pin from every store; retention applies to it again.")
final class UnpinCommand implements Callable<Integer> {

  @ParentCommand LifeboatCommand root;

  @Parameters(paramLabel = "ID|latest", description = "The backup to unpin.")
  String id;

  @Override
  public Integer call() {
    Console console = root.bean(Console.class);
    Target target = root.target();
    Pins.Result result = root.bean(Pins.class).unpin(target, id);
    return PinCommand.report(console, result, "unpinned", "unpin");
  }
}
