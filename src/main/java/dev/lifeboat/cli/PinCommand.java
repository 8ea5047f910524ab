package dev.lifeboat.cli;

import dev.lifeboat.catalog.Pins;
import dev.lifeboat.target.Target;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(
    mixinStandardHelpOptions = true,
    name = "pin",
    description = "Pin a backup: it is never pruned. The pin is kept in every store beside it.")
final class PinCommand implements Callable<Integer> {

  @ParentCommand LifeboatCommand root;

  @Parameters(paramLabel = "ID|latest", description = "The backup to pin.")
  String id;

  @Option(
      names = "--reason",
      paramLabel = "TEXT",
      description = "Why it is pinned (shown by backups).")
  String reason;

  @Override
  public Integer call() {
    Console console = root.bean(Console.class);
    Target target = root.target();
    Pins.Result result = root.bean(Pins.class).pin(target, id, reason);
    return report(console, result, "pinned", "pin");
  }

  static int report(Console console, Pins.Result result, String done, String verb) {
    if (console.json()) {
      console.printJson(result);
    }
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
