/**
 * Ready-made differentiable losses and objectives, written with tensor operations so that they
 * work under every transform.
 *
 * <p>{@link dev.argdiff.objective.Losses} holds losses of a prediction against a target (Huber,
 * binary logistic and hinge, multiclass logistic, hinge, perceptron and sparsemax); {@link dev.argdiff.objective.Objectives} holds regularized
 * objectives f(w, l2reg, data) (least squares, ridge regression, binary and multiclass
 * logistic regression, with or without intercept) to hand to a solver of {@link dev.argdiff.solvers};
 * {@link dev.argdiff.objective.SvmObjectives} the multiclass linear SVM, its dual (JAXopt's
 * {@code multiclass_linear_svm_dual}), primal and duality gap.
 */
package dev.argdiff.objective;
