package dev.argdiff.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.argdiff.batch.TaskValue;
import dev.argdiff.data.RidgeTasks;
import dev.argdiff.tensor.Tensor;

import java.util.List;
import org.junit.jupiter.api.Test;

class BatchBenchCommandTest {

    @Test
    void smallRunReportsEveryThreadCountAndTheSameBits() {
        MainTest.Run r = MainTest.run("bench", "batch", "--tasks", "6", "--size", "12x3", "--threads", "1,2,3",
                "--repeats", "1", "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject doc = JsonParser.parseString(r.out()).getAsJsonObject();
        assertTrue(doc.get("bitIdentical").getAsBoolean());
        assertEquals(3, doc.getAsJsonArray("rows").size());
        // The reported sum is the sum of the six tasks' losses, each evaluated alone.
        double sum = 0;
        for (RidgeTasks.Task t : RidgeTasks.generate(6, 12, 3, 1L)) {
            TaskValue v = RidgeTasks.loss(Tensor.scalar(BatchBench.THETA), t, BatchBench.INNER_MAXITER, BatchBench.INNER_TOL);
            sum += v.loss().item();
        }
        double reported = doc.getAsJsonArray("rows").get(2).getAsJsonObject().get("value").getAsDouble();
        assertEquals(sum, reported, 1e-12 * sum);
    }

    @Test
    void badOptionsAreUsageErrors() {
        for (List<String> args : List.of(List.of("--size", "12"), List.of("--threads", "0"), List.of("--tasks", "0"))) {
            String[] argv = new String[args.size() + 2];
            argv[0] = "bench";
            argv[1] = "batch";
            for (int i = 0; i < args.size(); i++) {
                argv[i + 2] = args.get(i);
            }
            MainTest.Run r = MainTest.run(argv);
            assertEquals(2, r.status(), args + ": " + r.err());
            assertTrue(r.err().startsWith("argdiff: --"), r.err());
        }
    }
}
