import { DECORATORS, type SchemaObject } from '@nestjs/swagger';

type Dto = abstract new (...args: never[]) => object;

/**
 * The properties a DTO documents with `@ApiProperty`, as OpenAPI schemas. A form body is
 * flat, so its parameters are declared with an explicit schema type (no nested classes),
 * which lets one form be documented from several DTOs: a grant's parameters and the client
 * authentication parameters, say.
 */
export function documentedProperties(dto: Dto): [string, SchemaObject, boolean][] {
  const prototype = dto.prototype as object;
  const names = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, prototype) ??
    []) as string[];
  return names.map((key) => {
    const name = key.replace(/^:/, '');
    const options = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, prototype, name) as
      (SchemaObject & { required?: boolean; isArray?: boolean; type?: unknown }) | undefined;
    // Swagger's own bookkeeping (`isArray`) is no part of the schema.
    const { required, isArray, ...schema } = options ?? {};
    void isArray;
    if (typeof schema.type !== 'string') {
      throw new Error(`${dto.name}.${name}: a form parameter needs an explicit schema type`);
    }
    return [name, schema, required !== false];
  });
}

/** One form body from the documented properties of DTOs, the first declaration of a name winning. */
export function formSchema(dtos: Dto[], extra: SchemaObject = {}): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  const required: string[] = [];
  for (const dto of dtos) {
    for (const [name, schema, isRequired] of documentedProperties(dto)) {
      if (name in properties) continue;
      properties[name] = schema;
      if (isRequired) required.push(name);
    }
  }
  return {
    type: 'object',
    ...extra,
    ...(required.length > 0 && { required: [...(extra.required ?? []), ...required] }),
    properties: { ...extra.properties, ...properties },
  };
}
