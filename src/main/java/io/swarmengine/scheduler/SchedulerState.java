package io.swarmengine.scheduler;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.swarmengine.CborSerializable;

/** What a scheduler saves and loads: the step it has reached (seed 002's {@code current_step}). */
public record SchedulerState(@JsonProperty("current_step") int currentStep)
    implements CborSerializable {}
