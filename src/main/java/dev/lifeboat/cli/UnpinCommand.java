package dev.lifeboat.cli;

import dev.lifeboat.catalog.Pins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(
    name = "unpin",
    description = "Remove a backup's pin from every store; retention applies to it again.")
final class UnpinCommand extends VerbCommand {

  @Parameters(paramLabel = "ID|latest", description = "The backup to unpin.")
  String id;

  @Override
  public Integer call() {
    Pins.Result result = bean(Pins.class).unpin(target(), id);
    return PinCommand.report(printed(result), result, "unpinned", "unpin");
  }
}
