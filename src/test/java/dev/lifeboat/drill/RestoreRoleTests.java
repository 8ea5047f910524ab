package dev.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class RestoreRoleTests {

  /** The head of pg_restore --list of the sample schema, plus what each case adds. */
  static final String TOC =
      """
      ;
      ; Archive created at 2026-12-06 23:07:45 UTC
      ;     dbname: src
      ;
      864; 1247 16420 TYPE public invoice_status postgres
      232; 1255 16431 FUNCTION public current_account_id() postgres
      217; 1259 16433 TABLE public accounts postgres
      3345; 0 17205 MATERIALIZED VIEW DATA public mv postgres
      3551; 0 0 ACL public TABLE accounts postgres
      """;

  static final Set<String> TRUSTED = Set.of("pgcrypto", "citext");

  @Test
  void anArchiveOfTablesFunctionsAndTrustedExtensionsNeedsNoSuperuser() {
    assertThat(RestoreRole.superuserOnly(TOC, TRUSTED)).isEmpty();
    assertThat(
            RestoreRole.superuserOnly(
                TOC
                    + "2; 3079 16385 EXTENSION - pgcrypto \n"
                    + "3912; 0 0 COMMENT - EXTENSION pgcrypto \n",
                TRUSTED))
        .isEmpty();
  }

  @Test
  void untrustedExtensionsEventTriggersAndOthersDefaultPrivilegesNeedASuperuser() {
    String toc =
        TOC
            + "2; 3079 16385 EXTENSION - postgis \n"
            + "3913; 0 0 COMMENT - EXTENSION postgis \n"
            + "240; 3466 17300 EVENT TRIGGER - audit_ddl postgres\n"
            + "3560; 826 17301 DEFAULT ACL - DEFAULT PRIVILEGES FOR TABLES postgres\n";

    assertThat(RestoreRole.superuserOnly(toc, TRUSTED))
        .hasValue("default acl, event trigger, extension postgis");
  }

  @Test
  void aCommentOrAnAclNamingAnExtensionIsNotItself() {
    assertThat(RestoreRole.superuserOnly(TOC + "3913; 0 0 COMMENT - EXTENSION postgis \n", TRUSTED))
        .isEmpty();
  }
}
