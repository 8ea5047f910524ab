package dev.lifeboat.cli;

import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * A command run in the started application, at any depth below {@code lifeboat}: the top command's
 * options ({@code --target}, {@code --json}) and the application's services through {@link
 * #root()}, and the result printed as JSON when {@code --json} asks for it.
 */
abstract class VerbCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** The top command, whatever the depth of this one. */
  final LifeboatCommand root() {
    return (LifeboatCommand) spec.root().userObject();
  }

  /** A service of the started application. */
  final <T> T bean(Class<T> type) {
    return root().bean(type);
  }

  /** The whole configuration checked, then the target {@code --target} names. */
  final Target target() {
    return root().target();
  }

  /** {@link #target()}, its server reached with its credentials. */
  final Target connectedTarget() {
    Target target = target();
    bean(Targets.class).checkConnection(target);
    return target;
  }

  final Console console() {
    return bean(Console.class);
  }

  /** The console, after {@code result} went to stdout as JSON if {@code --json} asked for it. */
  final Console printed(Object result) {
    Console console = console();
    if (console.json()) {
      console.printJson(result);
    }
    return console;
  }

  /** The backup a command acts on, its first parameter. */
  static final class BackupId {
    @Parameters(index = "0", paramLabel = "ID|latest", description = "The backup id, or 'latest'.")
    String id;
  }

  /** A command that only groups others ({@code wal}, {@code migrate}): run alone, its usage. */
  abstract static class Group extends VerbCommand {

    /** Its usage on stderr, exit 2. */
    @Override
    public final Integer call() {
      spec.commandLine().usage(System.err);
      return Launcher.USAGE;
    }
  }
}
