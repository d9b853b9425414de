package dev.fanout.faults;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives the fault tests one {@link FaultBed} for the whole run, closed at its end. Starting JVMs is
 * what costs most on a small machine, so the scenarios share the API server, PostgreSQL, SQS and
 * the operator, and each brings the workers it needs ({@link FaultBed#workers}). After each test,
 * the bed must hold no process but its own running ones.
 */
final class SharedBed implements ParameterResolver, BeforeEachCallback, AfterEachCallback {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SharedBed.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == FaultBed.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return bed(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    requirePostgres();
    bed(context).begin(context.getRequiredTestClass().getSimpleName());
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    bed(context).end();
  }

  /**
   * As every PostgreSQL test of the project: skipped, with a message, unless {@code
   * FANOUT_TEST_PG_URL} says PostgreSQL is here, and failed instead under {@code
   * FANOUT_REQUIRE_POSTGRES=1}. The bed runs a cluster of its own, with the same binaries.
   */
  private static void requirePostgres() {
    if (System.getenv("FANOUT_TEST_PG_URL") != null) {
      return;
    }
    String why =
        "the fault tests need PostgreSQL (they run a cluster of their own): start it with"
            + " eval \"$(scripts/postgres.sh start)\", which sets FANOUT_TEST_PG_URL";
    if ("1".equals(System.getenv("FANOUT_REQUIRE_POSTGRES"))) {
      throw new IllegalStateException("FANOUT_REQUIRE_POSTGRES=1 but " + why);
    }
    Assumptions.abort(why);
  }

  private static FaultBed bed(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            FaultBed.class,
            key -> {
              try {
                return FaultBed.start();
              } catch (Exception e) {
                throw new IllegalStateException("cannot start the fault bed: " + e, e);
              }
            },
            FaultBed.class);
  }
}
