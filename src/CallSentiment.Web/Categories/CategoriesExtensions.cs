namespace CallSentiment.Web.Categories;

public static class CategoriesExtensions
{
    /// <summary>Categories: the store, the tagger the analysis transaction calls, and (unless Categories:RetagEnabled is false) the re-tagging job.</summary>
    public static IHostApplicationBuilder AddCategories(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CategoryOptions>().BindConfiguration(CategoryOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<CategoryStore>();
        builder.Services.AddSingleton<CategoryTagger>();
        builder.Services.AddSingleton<CategoryRetagger>();
        if (builder.Configuration.GetValue($"{CategoryOptions.Section}:{nameof(CategoryOptions.RetagEnabled)}", true))
            builder.Services.AddHostedService(sp => sp.GetRequiredService<CategoryRetagger>());
        return builder;
    }
}
