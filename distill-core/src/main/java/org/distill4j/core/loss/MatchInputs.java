package org.distill4j.core.loss;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * What a match loss receives. For a single-layer match the lists hold one tensor per feature the loss reads
 * (usually one; MiniLM's attention relation reads query and key); for a pair match they hold the two layers.
 *
 * @param student       student tensors (after projection, if any)
 * @param teacher       teacher tensors (constants for the student's update)
 * @param mask          [B, L] float mask of valid positions, or null
 * @param studentWidth  last-axis width of the student tensors, D_S
 * @param teacherWidth  last-axis width of the teacher tensors, D_T
 * @param relationHeads relation heads for the MiniLM losses, else null
 */
public record MatchInputs(List<SDVariable> student, List<SDVariable> teacher, SDVariable mask,
                          long studentWidth, long teacherWidth, Integer relationHeads) {

    public MatchInputs {
        student = List.copyOf(student);
        teacher = List.copyOf(teacher);
    }

    /** The only (or first) student tensor. */
    public SDVariable s() {
        return student.get(0);
    }

    /** The only (or first) teacher tensor. */
    public SDVariable t() {
        return teacher.get(0);
    }
}
