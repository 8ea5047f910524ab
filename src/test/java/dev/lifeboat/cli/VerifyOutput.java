package dev.lifeboat.cli;

import dev.lifeboat.verify.Verify;
import java.util.List;

/** The lines {@code lifeboat verify --wal} prints for a report, for tests of other packages. */
public final class VerifyOutput {

  private VerifyOutput() {}

  public static List<String> wal(Verify.WalReport report) {
    return VerifyCommand.walLines(report);
  }
}
