"""Shopper browsing pages: home, category, search, device model."""
from django.shortcuts import get_object_or_404, render

from .models import Category, ProductModel


def home(request):
    categories = Category.objects.filter(parent__isnull=True)
    return render(request, "catalog/home.html", {"categories": categories})


def category(request, slug):
    category = get_object_or_404(Category, slug=slug)
    models = ProductModel.objects.filter(category=category, is_published=True).select_related("brand")
    return render(request, "catalog/category.html", {"category": category, "models": models})


def search(request):
    query = request.GET.get("q", "").strip()
    results = ProductModel.objects.filter(name__icontains=query).select_related("brand")[:50] if query else []
    return render(request, "catalog/search.html", {"query": query, "results": results})


def suggest(request):
    query = request.GET.get("q", "").strip()
    results = ProductModel.objects.filter(name__icontains=query)[:8] if len(query) >= 2 else []
    return render(request, "catalog/_suggestions.html", {"results": results})


def model_detail(request, slug):
    model = get_object_or_404(ProductModel.objects.select_related("brand", "category"), slug=slug)
    return render(request, "catalog/model_detail.html", {"model": model})
