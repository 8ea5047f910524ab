package dev.lifeboat.cli;

import dev.lifeboat.catalog.Pins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "pin",
    description = "Pin a backup: it is never pruned. The pin is kept in every store beside it.")
final class PinCommand extends VerbCommand {

  @Parameters(paramLabel = "ID|latest", description = "The backup to pin.")
  String id;

  @Option(
      names = "--reason",
      paramLabel = "TEXT",
      description = "Why it is pinned (shown by backups).")
  String reason;

  @Override
  public Integer call() {
    Pins.Result result = bean(Pins.class).pin(target(), id, reason);
    return report(printed(result), result, "pinned", "pin");
  }

  /** What pin and unpin print after the JSON: the stores that took it, then each that did not. */
  static int report(Console console, Pins.Result result, String done, String verb) {
    if (!result.stores().isEmpty()) {
      console.say(
          "backup "
              + result.backup()
              + " "
              + done
              + " in store"
              + (result.stores().size() == 1 ? " " : "s ")
              + String.join(", ", result.stores())
              + (result.reason() == null ? "" : " (" + result.reason() + ")"));
    }
    result
        .failed()
        .forEach(
            (store, why) ->
                console.error(
                    "lifeboat: could not "
                        + verb
                        + " backup "
                        + result.backup()
                        + " in store '"
                        + store
                        + "': "
                        + why));
    if (result.failed().isEmpty()) {
      return 0;
    }
    return result.stores().isEmpty() ? 1 : 3;
  }
}
