package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.LifeboatProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The embedded control database opened in this JVM, as every command opens it. */
class ControlDatabaseConfigurationTests {

  @TempDir Path dir;

  private DataSource open(Path home) {
    LifeboatProperties p =
        new Binder(new MapConfigurationPropertySource(Map.of("lifeboat.home", home.toString())))
            .bindOrCreate("lifeboat", LifeboatProperties.class);
    return new ControlDatabaseConfiguration().controlDataSource(p, new LifeboatConfig(p));
  }

  @Test
  void aPasswordFileThatDoesNotOpenTheDatabaseIsRefusedSayingWhatToDo() throws Exception {
    Path home = dir.resolve("home");
    Path control = home.resolve("control");
    try (HikariDataSource first = (HikariDataSource) open(home)) {
      first.getConnection().close();
    }
    String password = Files.readString(control.resolve("password"));
    // a copy of the home that brought another database's password file along
    Files.writeString(control.resolve("password"), EmbeddedControl.generate());

    assertThatThrownBy(() -> open(home))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "lifeboat.home: the embedded control database under "
                + control
                + " refused the password in "
                + control.resolve("password")
                + "; put back the password file that belongs to this database, or move "
                + control
                + " away to start a new control database (its job history stays in the moved copy)")
        .hasMessageNotContaining(password);

    Files.writeString(control.resolve("password"), password);
    try (HikariDataSource again = (HikariDataSource) open(home)) {
      again.getConnection().close();
    }
  }
}
