package dev.lifeboat;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

/**
 * The layout of STYLE.md as rules (issue 20): features side by side over shared rooms, arrows
 * pointing down only, configuration that only describes, one clock. Three rules were frozen at the
 * violations recorded when they landed while the redesign removed them step by step; none is left,
 * the store is gone, and every rule is checked as it is: any violation fails the build.
 */
class ArchitectureTests {

  static final JavaClasses MAIN =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.lifeboat");

  // a list, in a fixed order: a rule's text names the packages, and the store finds a rule's
  // recorded violations by that text (a Set's order changes from one JVM to the next)
  static final List<String> FEATURES =
      List.of(
          "backup",
          "verify",
          "restore",
          "drill",
          "retention",
          "migrate",
          "datamigrate",
          "doctor",
          "wal");

  static final String[] FEATURE_PACKAGES =
      FEATURES.stream().map(f -> "dev.lifeboat." + f + "..").toArray(String[]::new);

  /** A rule the code keeps: every violation fails. */
  private static void enforce(ArchRule rule) {
    rule.check(MAIN);
  }

  @Test
  void noPackageCycles() {
    enforce(slices().matching("dev.lifeboat.(*)..").should().beFreeOfCycles());
  }

  /** A feature that needs another sends that verb's request through run/, never its internals. */
  @Test
  void featuresStandSideBySide() {
    enforce(
        slices()
            .assignedFrom(
                new SliceAssignment() {
                  @Override
                  public SliceIdentifier getIdentifierOf(JavaClass c) {
                    String[] p = c.getPackageName().split("\\.");
                    return p.length >= 3 && FEATURES.contains(p[2])
                        ? SliceIdentifier.of(p[2])
                        : SliceIdentifier.ignore();
                  }

                  @Override
                  public String getDescription() {
                    return "feature packages";
                  }
                })
            .should()
            .notDependOnEachOther());
  }

  @Test
  void arrowsPointDown() {
    enforce(
        layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .withOptionalLayers(true)
            .layer("App")
            .definedBy(
                "dev.lifeboat",
                "dev.lifeboat.cli..",
                "dev.lifeboat.schedule..",
                "dev.lifeboat.demo..")
            .layer("Features")
            .definedBy(FEATURE_PACKAGES)
            .layer("Observers")
            .definedBy("dev.lifeboat.metrics..", "dev.lifeboat.notify..")
            .layer("Run")
            .definedBy("dev.lifeboat.run..")
            .layer("Archive")
            .definedBy("dev.lifeboat.archive..")
            .layer("Catalog")
            .definedBy("dev.lifeboat.catalog..")
            .layer("Target")
            .definedBy("dev.lifeboat.target..")
            .layer("Infrastructure")
            .definedBy(
                "dev.lifeboat.store..",
                "dev.lifeboat.pg..",
                "dev.lifeboat.crypto..",
                "dev.lifeboat.config..",
                "dev.lifeboat.progress..",
                "dev.lifeboat.logging..")
            .layer("Base")
            .definedBy("dev.lifeboat.base..")
            .whereLayer("App")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("Features")
            .mayOnlyBeAccessedByLayers("App")
            .whereLayer("Observers")
            .mayOnlyBeAccessedByLayers("Features", "App")
            .whereLayer("Run")
            .mayOnlyBeAccessedByLayers("Observers", "Features", "App")
            .whereLayer("Archive")
            .mayOnlyBeAccessedByLayers("Run", "Features", "App")
            .whereLayer("Catalog")
            .mayOnlyBeAccessedByLayers("Archive", "Run", "Features", "App")
            .whereLayer("Target")
            .mayOnlyBeAccessedByLayers("Catalog", "Archive", "Run", "Observers", "Features", "App")
            .whereLayer("Infrastructure")
            .mayOnlyBeAccessedByLayers(
                "Target", "Catalog", "Archive", "Run", "Observers", "Features", "App"));
  }

  /** Configuration only describes: it opens no store, starts no process, holds no key. */
  @Test
  void configImportsNoImplementation() {
    enforce(
        noClasses()
            .that()
            .resideInAPackage("dev.lifeboat.config..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "dev.lifeboat.store..", "dev.lifeboat.crypto..", "dev.lifeboat.pg.."));
  }

  /** The store knows nothing of the project but base/ (the base exception and Redaction). */
  @Test
  void storeStandsAlone() {
    enforce(
        noClasses()
            .that()
            .resideInAPackage("dev.lifeboat.store..")
            .should()
            .dependOnClassesThat(
                resideInAPackage("dev.lifeboat..")
                    .and(not(resideInAPackage("dev.lifeboat.store..")))
                    .and(not(resideInAPackage("dev.lifeboat.base..")))));
  }

  /** pg/ wraps PostgreSQL and knows nothing else of the project. */
  @Test
  void pgIsInfrastructure() {
    enforce(
        noClasses()
            .that()
            .resideInAPackage("dev.lifeboat.pg..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                "dev.lifeboat.config..", "dev.lifeboat.crypto..", "dev.lifeboat.store.."));
  }

  @Test
  void cryptoReadsConfigOnly() {
    enforce(
        noClasses()
            .that()
            .resideInAPackage("dev.lifeboat.crypto..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.lifeboat.store..", "dev.lifeboat.pg.."));
  }

  /**
   * The request travels as one typed parameter; nobody else builds or reads job parameters. Not
   * frozen: no violation is left (step 20), so any new one fails the build.
   */
  @Test
  void noStringBags() {
    enforce(
        noClasses()
            .that()
            .resideOutsideOfPackage("dev.lifeboat.run..")
            .should()
            .dependOnClassesThat()
            .areAssignableTo(JobParametersBuilder.class)
            .orShould()
            .callMethod(JobParameters.class, "getString", String.class));
  }

  /**
   * One injected Clock for every timestamp; the AOT training tool fakes S3 times and may not. Not
   * frozen: no violation is left (step 25), so any new one fails the build.
   */
  @Test
  void oneClock() {
    noClasses()
        .that()
        .haveNameNotMatching("dev\\.lifeboat\\.cli\\.AotTraining.*")
        .should()
        .callMethod(Instant.class, "now")
        .orShould()
        .callMethod(LocalDateTime.class, "now")
        .orShould()
        .callMethod(System.class, "currentTimeMillis")
        .check(MAIN);
  }

  /**
   * Job configurations only wire: no per-run state in their fields. Not frozen: the drill's per-run
   * maps left with step 19, the last violation, so any new one fails the build.
   */
  @Test
  void jobConfigurationsOnlyWire() {
    enforce(
        fields()
            .that()
            .areDeclaredInClassesThat()
            .haveSimpleNameEndingWith("JobConfiguration")
            .should()
            .beStatic()
            .andShould()
            .beFinal());
  }

  /** The demo's throwaway cluster stays a fixture of the demo. */
  @Test
  void localClusterIsAFixture() {
    enforce(
        noClasses()
            .that()
            .resideOutsideOfPackage("dev.lifeboat.demo..")
            .should()
            .dependOnClassesThat()
            .haveSimpleName("LocalCluster"));
  }
}
