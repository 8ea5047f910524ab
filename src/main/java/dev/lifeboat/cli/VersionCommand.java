package dev.lifeboat.cli;

import dev.lifeboat.base.LifeboatVersion;
import dev.lifeboat.base.Redaction;
import dev.lifeboat.doctor.Doctor;
import dev.lifeboat.doctor.DoctorReport;
import dev.lifeboat.target.Targets;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code lifeboat version}: the doctor. Exit 0 when nothing failed (warnings allowed), else 1. */
@Command(
    name = "version",
    description =
        "The doctor: versions, compatibility, control database, stores, targets, backups, drills"
            + " and row-level security, checked in parallel; exit 1 when something is red.")
final class VersionCommand extends VerbCommand {

  @Option(
      names = "--short",
      description = "Print only Lifeboat's version, instantly (checks nothing).")
  boolean shortVersion;

  @Override
  public Integer call() {
    if (shortVersion) {
      System.out.println(LifeboatVersion.get());
      return Launcher.OK;
    }
    bean(Targets.class).validate();
    DoctorReport report = bean(Doctor.class).examine();
    Console console = printed(report);
    // the marks are not ASCII: print UTF-8 whatever the locale says
    PrintStream human =
        new PrintStream(
            new FileOutputStream(console.json() ? FileDescriptor.err : FileDescriptor.out),
            true,
            StandardCharsets.UTF_8);
    human.print(Redaction.urls(table(report)));
    human.flush();
    return report.healthy() ? Launcher.OK : Launcher.FAILED;
  }

  static String table(DoctorReport report) {
    long warnings = report.checks().stream().filter(c -> c.status().equals("warn")).count();
    long failures = report.checks().stream().filter(c -> c.status().equals("fail")).count();
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "lifeboat %s: %s (%d checks, %d warning%s, %d failure%s)%n",
            LifeboatVersion.get(),
            report.status().toUpperCase(Locale.ROOT),
            report.checks().size(),
            warnings,
            warnings == 1 ? "" : "s",
            failures,
            failures == 1 ? "" : "s"));
    int width = 10;
    for (DoctorReport.Check c : report.checks()) {
      width = Math.max(width, c.name().length());
    }
    for (DoctorReport.Check c : report.checks()) {
      String mark =
          switch (c.status()) {
            case "ok" -> "✓";
            case "warn" -> "!";
            default -> "✗";
          };
      out.append(
          String.format(Locale.ROOT, "  %s %-" + width + "s  %s%n", mark, c.name(), c.detail()));
    }
    return out.toString();
  }
}
