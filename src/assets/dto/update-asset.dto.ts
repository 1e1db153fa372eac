import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';

/** `PATCH /assets/{id}`: exactly this field (any other is refused by the global ValidationPipe). */
export class UpdateAssetDto {
  @ApiProperty({
    type: Boolean,
    example: true,
    description:
      'Price this asset even when it is outside the top N of the latest ranking (e.g. a portfolio holding).',
  })
  @IsBoolean({ message: 'is_tracked must be true or false' })
  is_tracked!: boolean;
}
