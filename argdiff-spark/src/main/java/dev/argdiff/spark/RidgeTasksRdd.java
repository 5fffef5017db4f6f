package dev.argdiff.spark;

import dev.argdiff.data.RidgeTasks;

import java.util.stream.LongStream;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

/** {@link RidgeTasks} generated on the executors (task i from its seed alone), keyed by index and cached. */
final class RidgeTasksRdd {
    private RidgeTasksRdd() {
    }

    /** Tasks 0..count−1 of the seed in {@code partitions} partitions, cached in memory and materialized. */
    static JavaPairRDD<Long, RidgeTasks.Task> generate(JavaSparkContext sc, int count, int rows, int cols, long seed,
                                                       int partitions) {
        JavaPairRDD<Long, RidgeTasks.Task> tasks = sc.parallelize(LongStream.range(0, count).boxed().toList(), partitions)
                .mapToPair(i -> new Tuple2<>(i, RidgeTasks.task(seed, i, rows, cols)))
                .persist(StorageLevel.MEMORY_ONLY());
        tasks.count();
        return tasks;
    }
}
