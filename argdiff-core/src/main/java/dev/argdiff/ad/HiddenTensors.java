package dev.argdiff.ad;

import dev.argdiff.tensor.Tensor;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Finds tensors hidden in the fields of an object that is not a tree node (a static leaf). Which
 * fields of a class can hold one is computed once per class and cached; the objects are then
 * walked through those fields, collections, maps and object arrays (bounded, identity-visited).
 * Classes of the JDK are not entered except collections, maps and arrays.
 */
final class HiddenTensors {
    private HiddenTensors() {
    }

    /** The most objects visited per search: enough for any argument object, bounded for huge graphs. */
    private static final int MAX_VISITS = 10_000;

    /** Per class: its instance fields (own and inherited) whose type can hold a tensor, made accessible. */
    private static final ClassValue<Field[]> FIELDS = new ClassValue<>() {
        @Override
        protected Field[] computeValue(Class<?> type) {
            List<Field> out = new ArrayList<>();
            for (Class<?> c = type; c != null && !isJdk(c); c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || Pytree.isPlainValue(f.getType())) {
                        continue;
                    }
                    try {
                        f.setAccessible(true);
                        out.add(f);
                    } catch (RuntimeException e) {
                        // An inaccessible field (a module that does not open its package) cannot be inspected.
                    }
                }
            }
            return out.toArray(new Field[0]);
        }
    };

    private static boolean isJdk(Class<?> c) {
        String n = c.getName();
        return n.startsWith("java.") || n.startsWith("javax.") || n.startsWith("jdk.") || n.startsWith("sun.");
    }

    private static void push(Deque<Object> todo, Object o) {
        if (o != null) {
            todo.push(o);
        }
    }

    /** Whether a tensor satisfying {@code which} is reachable from {@code root}. */
    static boolean find(Object root, Predicate<Tensor> which) {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> todo = new ArrayDeque<>();
        push(todo, root);
        int visits = 0;
        while (!todo.isEmpty() && visits++ < MAX_VISITS) {
            Object o = todo.pop();
            if (o == null || !seen.add(o)) {
                continue;
            }
            if (o instanceof Tensor) {
                if (which.test((Tensor) o)) {
                    return true;
                }
                continue;
            }
            Class<?> c = o.getClass();
            if (Pytree.isPlainValue(c)) {
                continue;
            }
            if (o instanceof Collection) {
                for (Object e : (Collection<?>) o) {
                    push(todo, e);
                }
            } else if (o instanceof Map) {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                    push(todo, e.getKey());
                    push(todo, e.getValue());
                }
            } else if (o instanceof Object[]) {
                for (Object e : (Object[]) o) {
                    push(todo, e);
                }
            } else if (!isJdk(c) && !c.isSynthetic() && !c.isHidden()) {
                // (Lambdas are skipped: a function is not data, and what it captures is its own business.)
                for (Field f : FIELDS.get(c)) {
                    try {
                        push(todo, f.get(o));
                    } catch (IllegalAccessException e) {
                        // Not readable: skipped, as for a field of a closed module.
                    }
                }
            }
        }
        return false;
    }
}
