package dev.lifeboat.cli;

import dev.lifeboat.base.Json;
import dev.lifeboat.base.Redaction;
import dev.lifeboat.progress.Progress;
import dev.lifeboat.progress.TerminalProgress;
import java.io.PrintStream;
import java.lang.reflect.Method;
import org.springframework.stereotype.Component;

/**
 * Where a command's output goes: human text on stdout (stderr in --json mode), JSON on stdout, and
 * a progress line on stderr only when a person is at a terminal.
 */
@Component
final class Console implements Progress {

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;
  private volatile boolean json;
  private volatile boolean interactive;

  /** Called once by the command line before a command runs. */
  void configure(boolean json, boolean quiet) {
    this.json = json;
    // the daemon writes logs, never progress lines
    this.interactive = !json && !quiet && isTerminal();
  }

  boolean json() {
    return json;
  }

  /** Human text. */
  public void say(String text) {
    (json ? err : out).println(Redaction.urls(text));
  }

  /** Machine output, in --json mode only. */
  public void printJson(Object value) {
    out.println(Redaction.urls(Json.write(value)));
    out.flush();
  }

  /** Human commentary that must not mix with a command's result on stdout. */
  public void note(String text) {
    err.println(Redaction.urls(text));
  }

  public void error(String text) {
    err.println(Redaction.urls(text));
  }

  @Override
  public boolean visible() {
    return interactive;
  }

  @Override
  public Task start(String what, long totalBytes) {
    return interactive
        ? new TerminalProgress(err).start(what, totalBytes)
        : SILENT.start(what, totalBytes);
  }

  static boolean isTerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      // Java 22+ returns a Console even when redirected; isTerminal() tells the truth there.
      Method isTerminal = java.io.Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (ReflectiveOperationException e) {
      return true;
    }
  }
}
