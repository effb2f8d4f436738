import {
  Body,
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CallableBy, CurrentPrincipal } from '../../auth/auth.decorators';
import type { Principal } from '../../auth/principal';
import { ApiProblems } from '../../http/api-problems.decorator';
import { PathId } from '../../http/path-id.decorator';
import { CatalogService } from '../catalog.service';
import type { ItemView } from '../shop.types';
import {
  CreateItemDto,
  ItemListResponse,
  ItemQueryDto,
  ItemResponse,
  UpdateItemDto,
} from './dto/item.dto';

@ApiTags('shop')
@Controller('shop/items')
export class ItemsController {
  constructor(private readonly catalog: CatalogService) {}

  @Post()
  @CallableBy('Add an item to the catalog', { roles: ['admin'] })
  @ApiCreatedResponse({ type: ItemResponse })
  @ApiProblems(400, 409, 413, 415)
  add(@Body() body: CreateItemDto): Promise<ItemView> {
    return this.catalog.add(body);
  }

  @Patch(':id')
  @HttpCode(200)
  @CallableBy('Change an item: name, price, stock, limit, active', {
    roles: ['admin'],
  })
  @ApiOkResponse({ type: ItemResponse })
  @ApiProblems(400, 404, 413, 415)
  update(
    @PathId('id', 'an item id') id: number,
    @Body() body: UpdateItemDto,
  ): Promise<ItemView> {
    return this.catalog.update(id, body);
  }

  @Get()
  @CallableBy('List the items for sale (admins: all of them)', {
    roles: ['player', 'service', 'admin'],
  })
  @ApiOkResponse({ type: ItemListResponse })
  @ApiProblems(400, 429)
  async list(
    @Query() query: ItemQueryDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ items: ItemView[] }> {
    const includeInactive = query.includeInactive === 'true';
    if (includeInactive && !principal.roles.includes('admin')) {
      throw new ForbiddenException('only admins see inactive items');
    }
    return { items: await this.catalog.list(includeInactive) };
  }
}
