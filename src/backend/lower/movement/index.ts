/** Lowerings of the movement op family; each file calls registerLowerings for its ops. */
export {};
