package dev.lifeboat.cli;

import dev.lifeboat.wal.WalStatus;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;

@Command(
    name = "wal",
    description = "WAL archiving by serve (targets with wal.enabled): status, receive.",
    subcommands = {WalCommand.Status.class, WalCommand.Receive.class})
final class WalCommand extends VerbCommand.Group {

  @Command(
      name = "status",
      description =
          "Which serve node streams each WAL-enabled target's WAL, in which state, and how far each"
              + " store got; exit 1 when a target has no node streaming it.")
  static final class Status extends VerbCommand {

    @Override
    public Integer call() throws SQLException {
      List<WalStatus.Target> targets = bean(WalStatus.class).read();
      String only = root().targetName();
      if (only != null) {
        targets = targets.stream().filter(t -> t.target().equals(only)).toList();
      }
      Console console = printed(Map.of("targets", targets));
      boolean allStreaming = targets.stream().allMatch(WalStatus.Target::streaming);
      if (console.json()) {
        return allStreaming ? 0 : 1;
      }
      if (targets.isEmpty()) {
        console.say("no target has wal.enabled");
        return 0;
      }
      for (WalStatus.Target t : targets) {
        console.say(
            "wal "
                + t.target()
                + ": "
                + t.state()
                + (t.streaming() ? " on node " + t.streamedBy() : "")
                + (t.detail() == null ? "" : " (" + t.detail() + ")")
                + (t.since() == null ? "" : " since " + t.since()));
        if (t.serverLsn() != null || t.streamedSegment() != null) {
          console.say(
              "  server at "
                  + (t.serverLsn() == null ? "-" : t.serverLsn())
                  + ", newest segment streamed "
                  + (t.streamedSegment() == null ? "-" : t.streamedSegment()));
        }
        for (WalStatus.Store s : t.stores()) {
          console.say(
              String.format(
                  Locale.ROOT,
                  "  store %-12s holds up to %s, %d segment(s) waiting%s",
                  s.store(),
                  s.segment() == null ? "-" : s.segment(),
                  s.backlog(),
                  s.problem() == null ? "" : ", " + s.problem()));
        }
        for (WalStatus.Node n : t.nodes()) {
          if (!n.node().equals(t.streamedBy())) {
            console.say(
                "  node "
                    + n.node()
                    + ": "
                    + n.state()
                    + (n.detail() == null ? "" : " (" + n.detail() + ")"));
          }
        }
      }
      return allStreaming ? 0 : 1;
    }
  }

  @Command(
      name = "receive",
      description =
          "Stream the target's WAL into its stores in the foreground, as serve does (a serve node"
              + " already streaming it makes this one stand by), until --for is over or SIGTERM /"
              + " Ctrl-C; the partial segment is uploaded at the end.")
  static final class Receive extends VerbCommand {

    @picocli.CommandLine.Option(
        names = "--for",
        paramLabel = "DURATION",
        description = "How long, e.g. 30s or 10m (default: until stopped).")
    String duration;

    @Override
    public Integer call() throws InterruptedException {
      java.time.Duration howLong = java.time.Duration.ofDays(36500);
      if (duration != null) {
        try {
          howLong = org.springframework.boot.convert.DurationStyle.detectAndParse(duration);
        } catch (IllegalArgumentException e) {
          throw new dev.lifeboat.config.ConfigException(
              "--for", "'" + duration + "' is not a duration like 30s or 10m");
        }
      }
      String state = bean(dev.lifeboat.wal.WalForeground.class).receive(target().name(), howLong);
      console().note("wal " + target().name() + ": " + state + " when stopped");
      return "streaming".equals(state) || "chain-broken".equals(state) ? 0 : 1;
    }
  }
}
