package dev.jprune.data;

import dev.jprune.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * A per-image transform, as a torchvision transform after {@code ToTensor}: takes a {@code (C, H, W)} image and
 * returns a {@code (C', H', W')} image. The input is never modified (a transform that changes nothing may return it).
 *
 * <p>Random transforms draw only from {@code rng}, the sample's own generator: the {@link DataLoader} seeds it from
 * (seed, epoch, sample index), so an epoch's images are the same whatever the thread or batch that builds them, and
 * a resumed run sees exactly the images the interrupted one would have. Deterministic transforms ignore it.
 */
@FunctionalInterface
public interface Transform {

    /** Transforms {@code image} {@code (C, H, W)}; random choices come from {@code rng}. */
    Tensor apply(Tensor image, SplittableRandom rng);

    /** This transform, then {@code next} on its output, sharing the same generator. */
    default Transform andThen(Transform next) {
        return (image, rng) -> next.apply(apply(image, rng), rng);
    }

    /** The transform that returns its input. */
    static Transform identity() {
        return (image, rng) -> image;
    }
}
