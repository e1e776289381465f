"""One mapper per entity, all on :class:`shared.mappers.base.Mapper`."""
