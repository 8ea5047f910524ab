package dev.lifeboat.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Listed for --help; {@link dev.lifeboat.demo.Demo} runs it before Spring starts. */
@Command(
    name = "demo",
    description =
        "The whole story on a throwaway local PostgreSQL and two local stores, no set-up.")
final class DemoCommand implements Callable<Integer> {

  @Option(
      names = "--scale",
      paramLabel = "N",
      description = "Size of the sample data (1 = about 30 MB of tables).")
  int scale = 1;

  @Override
  public Integer call() {
    throw new IllegalStateException("demo is started by the launcher");
  }
}
