package dev.lifeboat.cli;

import dev.lifeboat.base.LifeboatVersion;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top command; its options are inherited, so they work before or after the command name. */
@Command(
    name = "lifeboat",
    versionProvider = LifeboatCommand.Version.class,
    description = "Unattended PostgreSQL backups, restore drills and safe migrations.",
    subcommands = {
      BackupCommand.class,
      BaseBackupCommand.class,
      BackupsCommand.class,
      VerifyCommand.class,
      RestoreCommand.class,
      DrillCommand.class,
      ServeCommand.class,
      HistoryCommand.class,
      DemoCommand.class,
      PruneCommand.class,
      PinCommand.class,
      UnpinCommand.class,
      MigrateCommand.class,
      DataMigrateCommand.class,
      VersionCommand.class,
      SigningKeyCommand.class,
      WalCommand.class
    })
final class LifeboatCommand {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "Configuration file added on top of the defaults (read before start-up).")
  List<Path> config;

  @Option(
      names = "--target",
      paramLabel = "NAME",
      scope = ScopeType.INHERIT,
      description = "Target database by name (default: the only one).")
  String target;

  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Machine-readable output on stdout; human text goes to stderr.")
  boolean json;

  /** The started application, set by the launcher once the configuration is loaded. */
  org.springframework.context.ApplicationContext context;

  /** A service of the started application: commands parse first, then get what they call. */
  <T> T bean(Class<T> type) {
    if (context == null) {
      throw new IllegalStateException("the application is not started");
    }
    return context.getBean(type);
  }

  /** {@code --target} as given, or null. */
  String targetName() {
    return target;
  }

  /** The whole configuration checked, then the target {@code --target} names (or the only one). */
  dev.lifeboat.target.Target target() {
    dev.lifeboat.target.Targets targets = bean(dev.lifeboat.target.Targets.class);
    targets.validate();
    return targets.resolve(target);
  }

  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {LifeboatVersion.get()};
    }
  }
}
